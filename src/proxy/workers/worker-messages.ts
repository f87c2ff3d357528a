/**
 * The messages between the primary process and its proxy workers (`--proxy-workers N`), over the
 * node:cluster IPC channel. The primary owns configuration and health (every health engine runs
 * there, as on Envoy's main thread); workers own the request path and report what happened to each
 * forwarded request as a compact outcome batch. Pure data and codecs; never does I/O.
 */
import type * as ir from '../../ir/types';
import type { HostState, RequestOutcome } from '../health/cluster-health';
import type { LbPolicy } from '../load-balancer';
import type { RetryPolicy } from '../retry-policy';
import type { StatKind } from '../stats';
import type { HostTraffic } from '../upstream-pool';
import type { LogLevel } from '../../log';

/** What every worker's ProxyRuntime is built with (the proxy flags). */
export interface WorkerSettings {
  readonly proxyPort?: number;
  readonly address?: string;
  readonly lbPolicy?: LbPolicy;
  readonly retry?: RetryPolicy;
  readonly routeTimeoutMs?: number;
  readonly maxSocketsPerHost?: number;
  readonly logLevel: LogLevel;
  readonly traces: readonly string[];
}

/** One host as the primary's health engine sees it: all a worker's load balancer reads. */
export type HostHealthWire = Pick<HostState, 'key' | 'address' | 'port' | 'weight' | 'hostname' | 'flags' | 'coarse' | 'excluded'>;

/** Cluster name -> its hosts in endpoint order. */
export type HealthTable = Readonly<Record<string, readonly HostHealthWire[]>>;

export type ToWorker =
  | { readonly type: 'init'; readonly settings: WorkerSettings }
  /** A new IR, with the health of every one of its clusters at that moment. */
  | { readonly type: 'config'; readonly ir: ir.Ir; readonly health: HealthTable }
  /** Health of the clusters whose hosts changed (flags, membership). */
  | { readonly type: 'health'; readonly health: HealthTable }
  | { readonly type: 'listen' }
  | { readonly type: 'status-request'; readonly id: number }
  | { readonly type: 'stop' };

/**
 * Outcomes in arrival order. `hosts` names `cluster\nhostKey` pairs; `data` holds three numbers per
 * outcome: index into `hosts`, outcome code (see encodeOutcome), latency in ms (responses only).
 */
export interface OutcomeBatch {
  readonly hosts: readonly string[];
  readonly data: readonly number[];
}

/** Per cluster, per host key: the worker's pool traffic (cx_*, rq_*). */
export type TrafficTable = Readonly<Record<string, Readonly<Record<string, HostTraffic>>>>;

export type FromWorker =
  /** The worker listens to the channel: the primary may now send. */
  | { readonly type: 'hello' }
  | { readonly type: 'listening'; readonly ports: readonly (readonly [number, number])[] }
  | { readonly type: 'listen-failed'; readonly message: string }
  | ({ readonly type: 'outcomes' } & OutcomeBatch)
  | { readonly type: 'status'; readonly id: number; readonly stats: readonly (readonly [string, StatKind, number])[]; readonly traffic: TrafficTable };

const CONNECT_FAILURE = -1;
const TIMEOUT = -2;
const CONNECT_SUCCESS = -3;
/** Added to a response status when it carried x-envoy-immediate-health-check-fail. */
const IMMEDIATE_FAIL = 1000;

/** A RequestOutcome as one number: the status of a response (+1000 with the immediate-fail header), or a negative code. */
export function encodeOutcome(outcome: RequestOutcome): number {
  switch (outcome.type) {
    case 'response':
      return outcome.status + (outcome.immediateHealthCheckFail ? IMMEDIATE_FAIL : 0);
    case 'connect-failure':
      return CONNECT_FAILURE;
    case 'timeout':
      return TIMEOUT;
    case 'connect-success':
      return CONNECT_SUCCESS;
  }
}

/** The inverse of encodeOutcome (latency only matters for responses); undefined for a code no worker sends. */
export function decodeOutcome(code: number, latencyMs: number): RequestOutcome | undefined {
  if (code === CONNECT_FAILURE) return { type: 'connect-failure' };
  if (code === TIMEOUT) return { type: 'timeout' };
  if (code === CONNECT_SUCCESS) return { type: 'connect-success' };
  if (code >= 100 && code < 600) return { type: 'response', status: code, latencyMs };
  if (code >= 100 + IMMEDIATE_FAIL && code < 600 + IMMEDIATE_FAIL) return { type: 'response', status: code - IMMEDIATE_FAIL, latencyMs, immediateHealthCheckFail: true };
  return undefined;
}

/** The wire form of an engine's host view (its getters read once, nothing else kept). */
export function hostHealthWire(h: HostState): HostHealthWire {
  return { key: h.key, address: h.address, port: h.port, weight: h.weight, hostname: h.hostname, flags: h.flags, coarse: h.coarse, excluded: h.excluded };
}

const WORKER_TYPES = new Set(['hello', 'listening', 'listen-failed', 'outcomes', 'status']);
const PRIMARY_TYPES = new Set(['init', 'config', 'health', 'listen', 'status-request', 'stop']);

function typed(value: unknown, types: ReadonlySet<string>): boolean {
  return typeof value === 'object' && value !== null && types.has(String((value as { type?: unknown }).type));
}

/** A message a worker may send (cluster IPC also carries Node's own internal messages). */
export function isFromWorker(value: unknown): value is FromWorker {
  return typed(value, WORKER_TYPES);
}

export function isToWorker(value: unknown): value is ToWorker {
  return typed(value, PRIMARY_TYPES);
}
