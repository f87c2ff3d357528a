/**
 * HttpProber: Envoy's HTTP health check request (spec §2 HttpHealthCheck, §3.5) over node:http
 * (HTTP/1.1, keep-alive when reuse_connection) or node:http2. Receives a probe target; reports the
 * status, `x-envoy-degraded`, `x-envoy-immediate-health-check-fail` and the healthchecked-cluster
 * header, or a network failure (connect, reset, timeout). Never classifies statuses.
 */
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import type { Clock } from '../../clock';
import type * as ir from '../../ir/types';
import { H2SessionPool } from './h2-session-pool';
import { withTimeout, type ProbeHandle, type ProbeResult, type Prober, type ProbeTarget } from './prober';

export interface HttpProberOptions {
  readonly clock: Clock;
  readonly probe: ir.HttpProbe;
  readonly reuseConnection: boolean;
}

type HeaderMap = Record<string, string | string[]>;

/** The probe's request headers: Host, `user-agent: Envoy/HC`, then request_headers_to_add/remove. */
export function probeHeaders(probe: ir.HttpProbe, authority: string): HeaderMap {
  const headers: HeaderMap = { 'user-agent': 'Envoy/HC' };
  for (const h of probe.requestHeadersToAdd ?? []) {
    const name = h.name.toLowerCase();
    const prev = headers[name];
    if (!h.append || prev === undefined) headers[name] = h.value;
    else headers[name] = [...(Array.isArray(prev) ? prev : [prev]), h.value];
  }
  for (const name of probe.requestHeadersToRemove ?? []) delete headers[name.toLowerCase()];
  headers.host = authority;
  return headers;
}

function headerString(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function answer(status: number, headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): ProbeResult {
  return {
    kind: 'http',
    status,
    degraded: headers['x-envoy-degraded'] !== undefined,
    immediateFail: headers['x-envoy-immediate-health-check-fail'] !== undefined,
    healthcheckedCluster: headerString(headers['x-envoy-upstream-healthchecked-cluster']),
  };
}

function network(failure: 'connect' | 'reset', err: Error | string): ProbeResult {
  return { kind: 'network', failure, detail: typeof err === 'string' ? err : err.message };
}

function targetKey(t: ProbeTarget): string {
  return `${t.address}:${t.port}`;
}

export class HttpProber implements Prober {
  private readonly agents = new Map<string, http.Agent>();
  private readonly h2 = new H2SessionPool();

  constructor(private readonly o: HttpProberOptions) {}

  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle {
    return withTimeout(this.o.clock, timeoutMs, done, (finish) =>
      this.o.probe.http2 ? this.startH2(target, finish) : this.startH1(target, finish),
    );
  }

  release(target: ProbeTarget): void {
    const key = targetKey(target);
    this.agents.get(key)?.destroy();
    this.agents.delete(key);
    this.h2.release(target);
  }

  private agentFor(target: ProbeTarget): http.Agent | false {
    if (!this.o.reuseConnection) return false;
    const key = targetKey(target);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private startH1(target: ProbeTarget, finish: (r: ProbeResult) => void): () => void {
    const p = this.o.probe;
    let connected = false;
    const req = http.request({
      host: target.address,
      port: target.port,
      method: (p.method ?? 'GET').toUpperCase(),
      path: p.path,
      headers: probeHeaders(p, target.authority),
      agent: this.agentFor(target),
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('response', (res) => {
      const result = answer(res.statusCode ?? 0, res.headers);
      res.on('end', () => finish(result));
      res.on('error', (err) => finish(network('reset', err)));
      res.on('aborted', () => finish(network('reset', 'response aborted')));
      res.resume();
    });
    req.on('error', (err) => finish(network(connected ? 'reset' : 'connect', err)));
    req.end();
    return () => req.destroy();
  }

  private startH2(target: ProbeTarget, finish: (r: ProbeResult) => void): () => void {
    const p = this.o.probe;
    const pooled = this.h2.get(target);
    const { host: authority, ...rest } = probeHeaders(p, target.authority);
    const stream = pooled.session.request({
      ...rest,
      ':method': (p.method ?? 'GET').toUpperCase(),
      ':path': p.path,
      ':authority': headerString(authority),
      ':scheme': 'http',
    });
    let result: ProbeResult | undefined;
    stream.on('response', (headers) => {
      result = answer(Number(headers[':status'] ?? 0), headers);
    });
    stream.on('error', (err) => finish(network(pooled.connected() ? 'reset' : 'connect', err)));
    stream.on('end', () => {
      if (result) finish(result);
    });
    stream.on('close', () => {
      finish(network(pooled.connected() ? 'reset' : 'connect', 'stream closed before the response ended'));
      if (!this.o.reuseConnection) this.h2.release(target);
    });
    stream.resume();
    stream.end();
    return () => {
      stream.close(0x8);
      this.h2.release(target);
    };
  }
}
