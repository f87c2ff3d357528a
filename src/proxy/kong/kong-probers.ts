/**
 * The probers of Kong's active checks (resources.md §2.4): an HTTP GET of `httpPath` with the
 * policy's headers on a fresh connection (`Connection: close`), HTTPS with optional SNI and
 * certificate verification, or a TCP connect. Receives ir.KongActiveSettings and the Clock; emits
 * a Prober, or undefined for gRPC types, which Kong's health-check library cannot run.
 */
import * as https from 'node:https';
import type { Clock } from '../../clock';
import { isIp } from '../../ir/addresses';
import type * as ir from '../../ir/types';
import { HttpProber, probeHeaders } from '../health/http-prober';
import { withTimeout, type ProbeHandle, type ProbeResult, type Prober, type ProbeTarget } from '../health/prober';
import { TcpProber } from '../health/tcp-prober';

/** nginx's default socket timeout, used when a policy sets `timeout: 0`. */
const NGINX_DEFAULT_TIMEOUT_MS = 60_000;

/** The probe request as the shared HTTP prober describes it; Kong sends no user-agent of its own. */
export function kongHttpProbe(active: ir.KongActiveSettings): ir.HttpProbe {
  const ownAgent = active.headers.some((h) => h.name.toLowerCase() === 'user-agent');
  return {
    type: 'http',
    path: active.httpPath,
    method: 'GET',
    requestHeadersToAdd: active.headers.map((h) => ({ name: h.name, value: h.value, append: true })),
    requestHeadersToRemove: ownAgent ? [] : ['user-agent'],
  };
}

export function probeTimeoutMs(active: ir.KongActiveSettings): number {
  return active.timeoutMs > 0 ? active.timeoutMs : NGINX_DEFAULT_TIMEOUT_MS;
}

/** HTTPS probe: TLS handshake failures and every other transport error are network failures. */
export class KongHttpsProber implements Prober {
  constructor(
    private readonly clock: Clock,
    private readonly active: ir.KongActiveSettings,
  ) {}

  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle {
    return withTimeout(this.clock, timeoutMs, done, (finish) => {
      const sni = this.active.httpsSni ?? target.authority;
      let connected = false;
      const req = https.request({
        host: target.address,
        port: target.port,
        method: 'GET',
        path: this.active.httpPath,
        headers: probeHeaders(kongHttpProbe(this.active), target.authority),
        agent: false,
        rejectUnauthorized: this.active.httpsVerifyCertificate,
        ...(sni !== '' && !isIp(sni) ? { servername: sni } : {}),
      });
      req.on('socket', (socket) => socket.once('secureConnect', () => (connected = true)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => finish({ kind: 'http', status, degraded: false, immediateFail: false, healthcheckedCluster: '' }));
        res.on('error', (err) => finish({ kind: 'network', failure: 'reset', detail: err.message }));
      });
      req.on('error', (err) => finish({ kind: 'network', failure: connected ? 'reset' : 'connect', detail: err.message }));
      req.end();
      return () => req.destroy();
    });
  }

  release(): void {
    // Every probe uses its own connection: nothing is kept.
  }
}

/** The prober for a policy's active `type`; undefined for grpc/grpcs (never probed). */
export function createKongProber(active: ir.KongActiveSettings, clock: Clock): Prober | undefined {
  switch (active.type) {
    case 'http':
      return new HttpProber({ clock, probe: kongHttpProbe(active), reuseConnection: false });
    case 'https':
      return new KongHttpsProber(clock, active);
    case 'tcp':
      return new TcpProber({ clock, probe: { type: 'tcp' }, reuseConnection: false });
    case 'grpc':
    case 'grpcs':
      return undefined;
  }
}
