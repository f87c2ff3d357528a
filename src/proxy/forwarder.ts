/**
 * UpstreamExchange: one forwarded request, from the picked host to the last byte back. Streams
 * bodies both ways, enforces the cluster's connect timeout and the route timeout (from the end of
 * the downstream request, Envoy's rule), adds `x-envoy-upstream-service-time`, reports every
 * attempt's outcome to the pool (and so to ClusterHealth) and charges Envoy's upstream stats;
 * Kong-engine clusters also get Kong's latency headers on proxied responses. Turns failures into Envoy's local replies; never picks hosts or routes itself.
 */
import http from 'node:http';
import type { Clock, TimerHandle } from '../clock';
import type * as ir from '../ir/types';
import type { Logger } from '../log';
import type { HostState } from './health/cluster-health';
import { applyHeaderModifier, withoutHopByHop, type HeaderRecord } from './headers';
import { kongProxyLatencyHeaders } from './kong/kong-responses';
import { LocalReplies, sendLocalReply, type LocalReply } from './local-reply';
import type { UpstreamPool } from './upstream-pool';

export interface ExchangeParams {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly pool: UpstreamPool;
  readonly host: HostState;
  /** Upstream request target: (rewritten) path plus query. */
  readonly target: string;
  /** Request headers to send (hop-by-hop removed, forwarding headers and modifiers applied). */
  readonly headers: HeaderRecord;
  /** Route timeout in ms; 0 disables it. */
  readonly timeoutMs: number;
  readonly responseHeaders?: ir.HeaderModifier;
  /** When the proxy received the request (clock ms); Kong's latency headers count from here. */
  readonly receivedAt?: number;
}

export interface ExchangeDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Whether a request carries a body that must be streamed (and so cannot be sent twice). */
export function hasRequestBody(headers: http.IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export class UpstreamExchange {
  private upstream: http.ClientRequest | undefined;
  private routeTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private startedAt = 0;
  private connected = false;
  private reused = false;
  private connectTimedOut = false;
  private responded = false;
  private retried = false;
  private done = false;
  private endRequest: () => void = () => undefined;
  private readonly streamBody: boolean;

  constructor(
    private readonly deps: ExchangeDeps,
    private readonly p: ExchangeParams,
  ) {
    this.streamBody = hasRequestBody(p.req.headers);
  }

  start(): void {
    const { req, res, pool, host } = this.p;
    this.endRequest = pool.beginRequest(host.key);
    pool.stat('upstream_rq_total');
    this.startedAt = this.deps.clock.now();
    res.once('close', () => this.onDownstreamClose());
    this.attempt();
    if (this.streamBody) {
      req.once('end', () => this.armRouteTimer());
      req.once('error', () => this.upstream?.destroy());
    } else {
      req.resume();
      this.armRouteTimer();
    }
  }

  private attempt(): void {
    const { pool, host, target, headers, req } = this.p;
    this.connected = false;
    let upstream: http.ClientRequest;
    try {
      upstream = http.request({ host: host.address, port: host.port, method: req.method, path: target, headers, agent: pool.agentFor(host), setHost: false });
    } catch (err) {
      // A path or header value node:http refuses to send (from a rewrite or header modifier).
      this.deps.logger.warn('cannot build the upstream request', { cluster: pool.name, err });
      this.finish();
      sendLocalReply(this.p.res, { status: 500, body: '' });
      return;
    }
    this.upstream = upstream;
    upstream.once('socket', (socket) => {
      this.reused = pool.noteSocket(host.key, socket);
      if (!socket.connecting) return this.onConnected();
      this.connectTimer = this.deps.clock.setTimeout(() => {
        this.connectTimedOut = true;
        upstream.destroy(new Error('connect timeout'));
      }, pool.connectTimeoutMs);
      socket.once('connect', () => this.onConnected());
    });
    upstream.once('response', (ures) => this.onResponse(ures));
    upstream.on('error', (err) => this.onUpstreamError(upstream, err));
    if (this.streamBody) req.pipe(upstream);
    else upstream.end();
  }

  private onConnected(): void {
    this.deps.clock.clearTimeout(this.connectTimer);
    this.connected = true;
    this.p.pool.report(this.p.host.key, { type: 'connect-success' });
  }

  private armRouteTimer(): void {
    if (this.done || this.p.timeoutMs <= 0 || this.routeTimer) return;
    this.routeTimer = this.deps.clock.setTimeout(() => this.onRouteTimeout(), this.p.timeoutMs);
  }

  private onResponse(ures: http.IncomingMessage): void {
    if (this.done) return;
    const { res, pool, host } = this.p;
    this.responded = true;
    const status = ures.statusCode ?? 502;
    const headersAt = this.deps.clock.now();
    const serviceTime = Math.max(0, headersAt - this.startedAt);
    pool.report(host.key, {
      type: 'response',
      status,
      latencyMs: serviceTime,
      immediateHealthCheckFail: ures.headers['x-envoy-immediate-health-check-fail'] !== undefined,
    });
    this.charge(status);
    const headers = withoutHopByHop(ures.headers);
    headers['x-envoy-upstream-service-time'] = String(serviceTime);
    if (pool.backend.engine === 'kong') {
      const receivedAt = this.p.receivedAt ?? this.startedAt;
      Object.assign(headers, kongProxyLatencyHeaders({ receivedAt, upstreamStartAt: this.startedAt, upstreamHeadersAt: headersAt }));
    }
    applyHeaderModifier(headers, this.p.responseHeaders);
    try {
      res.writeHead(status, ures.statusMessage, headers);
    } catch (err) {
      this.deps.logger.warn('cannot send the upstream response headers', { cluster: pool.name, err });
      ures.destroy();
      res.destroy();
      this.finish();
      return;
    }
    ures.pipe(res);
    ures.once('close', () => {
      if (!ures.complete) res.destroy();
      this.finish();
    });
  }

  private onUpstreamError(upstream: http.ClientRequest, err: Error): void {
    if (this.done || upstream !== this.upstream) return;
    this.deps.clock.clearTimeout(this.connectTimer);
    const { pool, host, res } = this.p;
    if (this.responded) {
      res.destroy();
      this.finish();
      return;
    }
    if (this.connectTimedOut) {
      pool.stat('upstream_cx_connect_timeout');
      pool.stat('upstream_cx_connect_fail');
      this.fail({ type: 'timeout' }, LocalReplies.connectTimeout);
    } else if (!this.connected) {
      pool.stat('upstream_cx_connect_fail');
      this.fail({ type: 'connect-failure' }, LocalReplies.connectFailure);
    } else if (this.reused && !this.streamBody && !this.retried) {
      // A kept-alive connection the upstream had already closed: try once on another one.
      this.retried = true;
      this.deps.logger.debug('stale upstream connection, retrying once', { cluster: pool.name, host: host.key, err });
      this.attempt();
    } else {
      pool.stat('upstream_cx_destroy_remote_with_active_rq');
      this.fail({ type: 'connect-failure' }, LocalReplies.connectionTermination);
    }
  }

  private onRouteTimeout(): void {
    if (this.done) return;
    const { pool, res } = this.p;
    pool.stat('upstream_rq_timeout');
    if (this.responded) {
      // Headers already went out: Envoy resets the downstream stream.
      this.upstream?.destroy();
      res.destroy();
      this.finish();
      return;
    }
    this.fail({ type: 'timeout' }, LocalReplies.upstreamTimeout);
  }

  private fail(outcome: { readonly type: 'timeout' | 'connect-failure' }, reply: LocalReply): void {
    const { pool, host, res } = this.p;
    pool.report(host.key, outcome);
    this.charge(reply.status);
    this.finish();
    this.upstream?.destroy();
    sendLocalReply(res, reply, this.p.responseHeaders);
  }

  private onDownstreamClose(): void {
    if (this.done || this.p.res.writableFinished) return;
    // The client went away first: abandon the upstream request; no outcome is reported.
    this.p.pool.stat('upstream_rq_cancelled');
    this.upstream?.destroy();
    this.finish();
  }

  private charge(status: number): void {
    const { pool } = this.p;
    pool.stat(`upstream_rq_${status}`);
    pool.stat(`upstream_rq_${Math.floor(status / 100)}xx`);
    pool.stat('upstream_rq_completed');
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.deps.clock.clearTimeout(this.routeTimer);
    this.deps.clock.clearTimeout(this.connectTimer);
    this.endRequest();
  }
}
