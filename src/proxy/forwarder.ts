/**
 * UpstreamExchange: one forwarded request, from the picked host to the last byte back, over the
 * pool's kept-alive HTTP/1.1 connections (HostConnections). Streams bodies both ways, enforces
 * the route timeout (from the end of the downstream request, Envoy's rule) and the per-try
 * timeout on the Clock, retries by the cluster's RetryPolicy on another host, adds
 * `x-envoy-upstream-service-time` (Kong's latency headers instead for Kong-engine clusters),
 * reports every attempt's outcome to the pool (and so to ClusterHealth) and charges Envoy's
 * upstream stats. Turns failures into Envoy's local replies; never picks routes itself.
 */
import type { Clock, Random, TimerHandle } from '../clock';
import type * as ir from '../ir/types';
import type { Logger } from '../log';
import type { HostState, RequestOutcome } from './health/cluster-health';
import { failedOnReusedConnection, UpstreamConnectError, type UpstreamHandler } from './host-connections';
import { hasRequestBody, type DownstreamRequest, type DownstreamResponse, type RequestHeaders } from './http1/downstream';
import { InvalidHeadError } from './http1/wire';
import type { Deadline, Deadlines } from './deadlines';
import { applyHeaderModifier, recordOf, responseHeaderList, type HeaderRecord } from './headers';
import { kongProxyLatencyHeaders } from './kong/kong-responses';
import { LocalReplies, sendLocalReply, type LocalReply } from './local-reply';
import { backoffMs, retriable, type AttemptFailure, type RetryPolicy } from './retry-policy';
import type { UpstreamPool } from './upstream-pool';

/** Largest request body buffered so that a request with a body can be retried (Envoy buffers up to its limit). */
export const MAX_RETRY_BUFFER_BYTES = 64 * 1024;

export interface ExchangeParams {
  readonly req: DownstreamRequest;
  readonly res: DownstreamResponse;
  readonly pool: UpstreamPool;
  readonly host: HostState;
  /** Upstream request target: (rewritten) path plus query. */
  readonly target: string;
  /** Request headers to send (hop-by-hop removed, forwarding headers and modifiers applied). */
  readonly headers: HeaderRecord;
  /** `headers` are the client's parsed ones plus the proxy's own values (no modifier touched them). */
  readonly parsedHeaders?: boolean;
  /** Route timeout in ms; 0 disables it. */
  readonly timeoutMs: number;
  readonly responseHeaders?: ir.HeaderModifier;
  /** When the proxy received the request (clock ms); Kong's latency headers count from here. */
  readonly receivedAt?: number;
}

export interface ExchangeDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly deadlines: Deadlines;
}

type BodyMode = 'none' | 'stream' | 'buffer';

function bodyModeOf(headers: Readonly<RequestHeaders>, policy: RetryPolicy | undefined): BodyMode {
  if (!hasRequestBody(headers)) return 'none';
  const length = Number(headers['content-length']);
  const small = headers['transfer-encoding'] === undefined && Number.isInteger(length) && length <= MAX_RETRY_BUFFER_BYTES;
  return policy && policy.numRetries > 0 && small ? 'buffer' : 'stream';
}

function invalidRequest(err: Error): boolean {
  return err instanceof InvalidHeadError;
}

/** What a successful connection reports (the same object every time: it carries nothing else). */
const CONNECT_SUCCESS: RequestOutcome = { type: 'connect-success' };

const noop = (): void => undefined;

/** One try at one host: its connection's handler, forwarding to the exchange while it is the current one. */
class Attempt implements UpstreamHandler {
  abort: ((err?: Error) => void) | undefined;
  resume: (() => void) | undefined;
  connected = false;
  /** No longer the exchange's (superseded or finished): callbacks only wind it down. */
  dropped = false;
  private settled = false;
  perTry: Deadline | undefined;

  constructor(
    private readonly x: UpstreamExchange,
    readonly host: HostState,
    private endRequest: () => void,
    readonly startedAt: number,
  ) {}

  /** Gives this attempt's request slot to its replacement (a stale-connection re-send). */
  handOver(): () => void {
    const end = this.endRequest;
    this.endRequest = noop;
    return end;
  }

  drop(abort: boolean): void {
    this.dropped = true;
    this.perTry?.cancel();
    if (abort && !this.settled) this.abort?.(new Error('abandoned'));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.dropped) return abort(new Error('abandoned'));
    this.connected = true;
    this.x.onConnected(this);
  }

  onHeaders(status: number, raw: string[], resume: () => void, statusText: string): boolean {
    if (this.dropped || status < 200) return true;
    this.resume = resume;
    return this.x.onHeaders(this, status, raw, statusText);
  }

  onData(chunk: Buffer): boolean {
    return this.dropped ? true : this.x.onData(chunk);
  }

  onComplete(): void {
    this.settled = true;
    this.perTry?.cancel();
    if (!this.dropped) this.x.onComplete();
    this.handOver()();
  }

  onError(err: Error): void {
    this.settled = true;
    this.perTry?.cancel();
    // The exchange sees it first: a stale-connection re-send takes the request slot over.
    if (!this.dropped) this.x.onError(this, err);
    this.handOver()();
  }
}

export class UpstreamExchange {
  private current: Attempt | undefined;
  private routeDeadline: Deadline | undefined;
  private backoffTimer: TimerHandle | undefined;
  private readonly policy: RetryPolicy | undefined;
  private readonly bodyMode: BodyMode;
  private body: Buffer | DownstreamRequest | null = null;
  private tried: Set<string> | undefined;
  private retries = 0;
  private releaseRetry: (() => void) | undefined;
  private startedAt = 0;
  private responded = false;
  private staleRetried = false;
  private done = false;
  /** Resumes the upstream body once the client caught up (made on the first back-pressure). */
  private onDrain: (() => void) | undefined;

  constructor(
    private readonly deps: ExchangeDeps,
    private readonly p: ExchangeParams,
  ) {
    this.policy = p.pool.retryPolicy;
    this.bodyMode = bodyModeOf(p.req.headers, this.policy);
  }

  start(): void {
    const { req, res } = this.p;
    this.startedAt = this.deps.clock.now();
    res.onAbandon = (): void => this.onDownstreamClose();
    if (this.bodyMode === 'none') {
      this.armRouteTimer();
      this.attempt(this.p.host);
    } else if (this.bodyMode === 'stream') {
      this.body = req;
      req.onEnd(() => this.armRouteTimer());
      this.attempt(this.p.host);
    } else {
      req.readAll((body) => {
        if (this.done) return;
        this.body = body;
        this.armRouteTimer();
        this.attempt(this.p.host);
      });
    }
  }

  private attempt(host: HostState, slot?: () => void): void {
    const { pool, target, headers, req } = this.p;
    if (!slot && pool.overflows(host.key)) {
      this.fail(LocalReplies.overflow);
      return;
    }
    const a = new Attempt(this, host, slot ?? pool.beginRequest(host.key), this.deps.clock.now());
    this.current = a;
    if (!slot) pool.counters.rqTotal.inc();
    const perTry = this.policy?.perTryTimeoutMs ?? 0;
    if (perTry > 0) a.perTry = this.deps.deadlines.schedule(perTry, () => this.onPerTryTimeout(a));
    pool.dispatch(host, { path: target, method: req.method, headers, body: this.body, parsedHeaders: this.p.parsedHeaders }, a);
  }

  onConnected(a: Attempt): void {
    this.p.pool.report(a.host.key, CONNECT_SUCCESS);
  }

  private armRouteTimer(): void {
    if (this.done || this.p.timeoutMs <= 0 || this.routeDeadline) return;
    this.routeDeadline = this.deps.deadlines.schedule(this.p.timeoutMs, () => this.onRouteTimeout());
  }

  onHeaders(a: Attempt, status: number, raw: string[], statusText: string): boolean {
    const { res, pool } = this.p;
    const headersAt = this.deps.clock.now();
    const serviceTime = Math.max(0, headersAt - a.startedAt);
    const { flat, immediateHealthCheckFail } = responseHeaderList(raw);
    pool.report(a.host.key, { type: 'response', status, latencyMs: serviceTime, immediateHealthCheckFail });
    pool.counters.chargeStatus(status);
    if (this.policy && this.shouldRetry({ type: 'response', status })) {
      a.drop(false); // its body drains on the connection, which stays usable
      this.retry(a);
      return true;
    }
    if (this.retries > 0) pool.counters.rqRetrySuccess.inc();
    if (pool.backend.engine === 'kong') {
      // Kong's latency headers instead of Envoy's x-envoy-upstream-service-time.
      const receivedAt = this.p.receivedAt ?? this.startedAt;
      const kong = kongProxyLatencyHeaders({ receivedAt, upstreamStartAt: this.startedAt, upstreamHeadersAt: headersAt });
      for (const name in kong) flat.push(name, kong[name] as string);
    } else flat.push('x-envoy-upstream-service-time', String(serviceTime));
    let headers: HeaderRecord | string[] = flat;
    if (this.p.responseHeaders) {
      headers = recordOf(flat);
      applyHeaderModifier(headers, this.p.responseHeaders);
    }
    try {
      // Without modifiers the list is the upstream's parsed headers plus the proxy's own.
      res.writeHead(status, statusText, headers, !this.p.responseHeaders);
    } catch (err) {
      this.deps.logger.warn('cannot send the upstream response headers', { cluster: pool.name, err });
      res.destroy();
      this.finish();
      return false;
    }
    this.responded = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    if (this.p.res.write(chunk)) return true;
    this.p.res.onDrain((this.onDrain ??= (): void => this.current?.resume?.()));
    return false;
  }

  onComplete(): void {
    if (this.done) return;
    this.p.res.end();
    this.finish();
  }

  onError(a: Attempt, err: Error): void {
    if (this.done) return;
    const { pool, res } = this.p;
    const c = pool.counters;
    if (this.responded) {
      res.destroy();
      this.finish();
    } else if (err instanceof UpstreamConnectError) {
      c.cxConnectFail.inc();
      if (err.timedOut) c.cxConnectTimeout.inc();
      const outcome: RequestOutcome = err.timedOut ? { type: 'timeout' } : { type: 'connect-failure' };
      this.failAttempt(a, outcome, { type: 'connect-failure' }, err.timedOut ? LocalReplies.connectTimeout : LocalReplies.connectFailure);
    } else if (!a.connected && invalidRequest(err)) {
      // A path or header value that cannot be sent (from a rewrite or header modifier).
      this.deps.logger.warn('cannot build the upstream request', { cluster: pool.name, err });
      this.finish();
      sendLocalReply(res, { status: 500, body: '' });
    } else if (!a.connected) {
      c.cxConnectFail.inc();
      this.failAttempt(a, { type: 'connect-failure' }, { type: 'connect-failure' }, LocalReplies.connectFailure);
    } else if (this.bodyMode !== 'stream' && !this.staleRetried && failedOnReusedConnection(err)) {
      // A kept-alive connection the upstream had already closed: send once more on another one.
      this.staleRetried = true;
      this.deps.logger.debug('stale upstream connection, retrying once', { cluster: pool.name, host: a.host.key, err });
      const slot = a.handOver();
      queueMicrotask(() => (this.done ? slot() : this.attempt(a.host, slot)));
    } else {
      c.cxDestroyRemoteWithActiveRq.inc();
      this.failAttempt(a, { type: 'connect-failure' }, { type: 'reset' }, LocalReplies.connectionTermination);
    }
  }

  private onPerTryTimeout(a: Attempt): void {
    if (this.done || a !== this.current) return;
    this.p.pool.counters.rqPerTryTimeout.inc();
    if (this.responded) return this.reset();
    a.drop(true);
    this.failAttempt(a, { type: 'timeout' }, { type: 'per-try-timeout' }, LocalReplies.upstreamTimeout);
  }

  private onRouteTimeout(): void {
    if (this.done) return;
    const { pool } = this.p;
    pool.counters.rqTimeout.inc();
    if (this.responded) return this.reset();
    const a = this.current;
    if (a && !a.dropped) {
      a.drop(true);
      pool.report(a.host.key, { type: 'timeout' });
    }
    this.fail(LocalReplies.upstreamTimeout);
  }

  /** Headers already went out: Envoy resets the downstream stream. */
  private reset(): void {
    this.p.res.destroy();
    this.finish();
  }

  /** One attempt failed before any response was forwarded: report it, then retry or reply. */
  private failAttempt(a: Attempt, outcome: RequestOutcome, failure: AttemptFailure, reply: LocalReply): void {
    this.p.pool.report(a.host.key, outcome);
    a.drop(false);
    if (this.shouldRetry(failure)) this.retry(a);
    else this.fail(reply);
  }

  private shouldRetry(failure: AttemptFailure): boolean {
    const policy = this.policy;
    if (!policy || this.done || this.bodyMode === 'stream' || this.p.res.headersSent || !retriable(policy, failure)) return false;
    const { counters } = this.p.pool;
    if (this.retries >= policy.numRetries) {
      counters.rqRetryLimitExceeded.inc();
      return false;
    }
    const release = this.p.pool.beginRetry();
    if (!release) return false;
    this.releaseRetry?.();
    this.releaseRetry = release;
    return true;
  }

  /** Tries again after Envoy's back-off, on a host not tried yet when the policy says so. */
  private retry(failed: Attempt): void {
    const policy = this.policy;
    if (!policy) return;
    this.retries++;
    this.p.pool.counters.rqRetry.inc();
    (this.tried ??= new Set([this.p.host.key])).add(failed.host.key);
    const go = (): void => {
      this.backoffTimer = undefined;
      if (this.done) return;
      const pick = this.p.pool.pick(policy.previousHosts ? this.tried : undefined);
      if (pick.host === undefined) this.fail(LocalReplies.noHealthyUpstream);
      else this.attempt(pick.host);
    };
    const delay = backoffMs(policy, this.retries, this.deps.random);
    if (delay > 0) this.backoffTimer = this.deps.clock.setTimeout(go, delay);
    else queueMicrotask(go);
  }

  private fail(reply: LocalReply): void {
    this.p.pool.counters.chargeStatus(reply.status);
    this.finish();
    sendLocalReply(this.p.res, reply, this.p.responseHeaders);
  }

  private onDownstreamClose(): void {
    if (this.done || this.p.res.finished) return;
    // The client went away first: abandon the upstream request; no outcome is reported.
    this.p.pool.counters.rqCancelled.inc();
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.routeDeadline?.cancel();
    this.deps.clock.clearTimeout(this.backoffTimer);
    this.releaseRetry?.();
    this.current?.drop(true);
  }
}
