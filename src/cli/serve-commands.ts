/**
 * The command-table entries of the long-running commands: `serve`, `quickstart` (serve with the
 * bundled folder, the native proxy and built-in demo upstreams) and `demo-upstream`. Receives the
 * scanned flags and the environment; emits ServeOptions / DemoUpstreamCommandOptions, pushing one
 * problem per bad flag combination. Never touches the file system, the network or process.env.
 */
import { availableParallelism } from 'node:os';
import type { LbPolicy } from '../proxy/load-balancer';
import { ENVOY_RETRY_DEFAULTS, parseRetryOn, type RetryPolicy } from '../proxy/retry-policy';
import type { DemoUpstreamCommandOptions, Env, KubernetesOptions, NodeHashKind, ProxyOptions, ServeOptions } from '../options';
import { flagString, HELP_FLAG, LOG_LEVEL_FLAG, logLevelOf, type CommandSpec, type FlagSpec, type FlagValues } from './flags';

/** The quickstart's fixed addresses (each overridable by its flag). */
export const QUICKSTART_DEFAULTS = {
  proxyPort: 10000,
  demoPorts: [9001, 9002, 9003],
  outlierEventLog: '/dev/stdout',
} as const;

const LB_POLICIES: readonly LbPolicy[] = ['round-robin', 'least-request', 'random'];

const CONTROL_PLANE_FLAGS: readonly FlagSpec[] = [
  { name: 'xds-port', kind: 'port', value: 'PORT', default: '18000', help: 'port of the xDS (ADS + CSDS) gRPC server; 0 picks a free port' },
  { name: 'xds-address', kind: 'address', value: 'ADDR', default: '0.0.0.0', help: 'address the xDS server binds to' },
  { name: 'admin-port', kind: 'port', value: 'PORT', default: '19000', help: 'port of the admin HTTP server (/ready, /config_dump, /xds/clients, /clusters, /stats)' },
  { name: 'admin-address', kind: 'address', value: 'ADDR', default: '127.0.0.1', help: 'address the admin server binds to (loopback unless told otherwise)' },
  { name: 'node-hash', kind: { oneOf: ['cluster', 'id'] }, value: 'cluster|id', default: 'cluster', help: 'group nodes by node.cluster or by node.id' },
];

const PROXY_TUNING_FLAGS: readonly FlagSpec[] = [
  { name: 'proxy-address', kind: 'address', value: 'ADDR', default: '0.0.0.0', help: 'address the --proxy-port server binds to (per-listener servers use each listener\'s address)' },
  { name: 'lb-policy', kind: { oneOf: LB_POLICIES }, value: 'POLICY', help: "native proxy: round-robin, least-request or random for every cluster (default: each backend's own policy)" },
  { name: 'retry-on', kind: 'string', value: 'LIST', help: "native proxy: retry like Envoy's route retry_policy on connect-failure, reset, 5xx and/or gateway-error, on another host (default: no retries, as Envoy; Kong clusters always retry connection failures 5 times, as Kong)" },
  { name: 'num-retries', kind: 'string', value: 'N', help: 'with --retry-on: retries per request (default 1, as Envoy)' },
  { name: 'per-try-timeout', kind: 'string', value: 'DURATION', help: 'with --retry-on: timeout of each try, e.g. 500ms (default: none, only the route timeout)' },
  { name: 'retry-backoff', kind: 'string', value: 'DURATION', help: "with --retry-on: back-off base interval, jittered and doubled per retry up to 10x (default 25ms, as Envoy; 0ms retries at once)" },
  { name: 'proxy-workers', kind: 'string', value: 'N|auto', default: '1', help: "native proxy: processes serving the proxy ports, like Envoy's --concurrency (auto: one per CPU); with more than 1, health checking and outlier detection stay in this process and the workers report every request's outcome to it" },
];

const RETRY_DETAIL_FLAGS = ['num-retries', 'per-try-timeout', 'retry-backoff'];

const TAIL_FLAGS: readonly FlagSpec[] = [
  { name: 'gateway-class', kind: 'string', value: 'NAME', help: 'serve only Gateways of this GatewayClass (default: every class)' },
  { name: 'control-plane-id', kind: 'string', value: 'ID', help: "identifier sent in responses' control_plane.identifier" },
  LOG_LEVEL_FLAG,
  HELP_FLAG,
];

/** Hidden: Lease timings (client-go's defaults; tests shorten them). Documented in docs/kubernetes.md. */
const LEASE_FLAGS: readonly FlagSpec[] = [
  { name: 'lease-duration', kind: 'string', value: 'DURATION', hidden: true, help: 'with --kubernetes: Lease duration (default 15s)' },
  { name: 'lease-renew-deadline', kind: 'string', value: 'DURATION', hidden: true, help: 'with --kubernetes: renew deadline (default 10s)' },
  { name: 'lease-retry-period', kind: 'string', value: 'DURATION', hidden: true, help: 'with --kubernetes: retry period (default 2s)' },
];

const LEASE_DEFAULTS_MS = { 'lease-duration': 15_000, 'lease-renew-deadline': 10_000, 'lease-retry-period': 2_000 } as const;

const SERVE_FLAGS: readonly FlagSpec[] = [
  ...CONTROL_PLANE_FLAGS,
  { name: 'xds-resources', kind: 'string', value: 'FILE', help: 'Envoy resources (JSON or YAML: clusters, endpoints, listeners, routes) to serve; reloaded on change' },
  { name: 'config-dir', kind: 'string', value: 'DIR', help: 'folder of input resources (Gateway API, Gloo Upstream, Kong, Service, EndpointSlice as YAML/JSON), translated and served; watched' },
  { name: 'kubernetes', kind: 'boolean', help: "watch the cluster (Gateway API, Gloo Upstream, KongUpstreamPolicy, Ingress, Service, EndpointSlice), translate and serve it; the replica holding the Lease writes statuses (env POD_NAME, POD_NAMESPACE)" },
  { name: 'kubeconfig', kind: 'string', value: 'FILE', help: 'with --kubernetes: the kubeconfig to use (default $KUBECONFIG, else the in-cluster service account)' },
  { name: 'namespace', kind: 'string', value: 'NS', repeatable: true, help: 'with --kubernetes: watch only this namespace (repeatable; default every namespace)' },
  ...LEASE_FLAGS,
  { name: 'proxy-port', kind: 'port', value: 'PORT', help: 'also run the native proxy: every route of --config-dir or --kubernetes on this one port (0 picks a free port)' },
  { name: 'proxy', kind: 'boolean', help: "also run the native proxy, each Gateway listener on its own port (use --proxy-port to put every route on one port)" },
  ...PROXY_TUNING_FLAGS,
  { name: 'outlier-event-log', kind: 'string', value: 'FILE', help: "native proxy: append outlier ejection events (Envoy's JSON lines) to FILE, like Envoy's bootstrap outlier_detection.event_log_path" },
  ...TAIL_FLAGS,
];

const QUICKSTART_FLAGS: readonly FlagSpec[] = [
  ...CONTROL_PLANE_FLAGS,
  { name: 'config-dir', kind: 'string', value: 'DIR', default: 'examples/quickstart', help: 'folder of input resources to serve instead of the bundled one; watched' },
  { name: 'proxy-port', kind: 'port', value: 'PORT', default: String(QUICKSTART_DEFAULTS.proxyPort), help: 'port of the native proxy, serving every route of the folder; 0 picks a free port' },
  ...PROXY_TUNING_FLAGS,
  { name: 'outlier-event-log', kind: 'string', value: 'FILE', default: QUICKSTART_DEFAULTS.outlierEventLog, help: "append outlier ejection events (Envoy's JSON lines) to FILE (/dev/null to drop them)" },
  { name: 'demo-ports', kind: 'string', value: 'LIST', default: QUICKSTART_DEFAULTS.demoPorts.join(','), help: 'ports of the built-in demo upstreams on 127.0.0.1 (comma separated, or "none"); the folder\'s EndpointSlices must name the same ports' },
  ...TAIL_FLAGS,
];

/** `9001,9002` -> ports; "none" -> []. */
export function parsePortList(flag: string, value: string, problems: string[]): number[] {
  if (value === 'none') return [];
  const ports: number[] = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    const port = /^\d{1,5}$/.test(part) ? Number(part) : NaN;
    if (!(port >= 1 && port <= 65535)) problems.push(`--${flag}: "${part}" is not a port (1-65535); the EndpointSlices name fixed ports, so 0 is not allowed either`);
    else if (ports.includes(port)) problems.push(`--${flag}: ${port} is listed twice`);
    else ports.push(port);
  }
  return ports;
}

/** Every pair of equal non-zero ports is a problem named after the later flag. */
function checkPortClashes(ports: readonly (readonly [string, number])[], problems: string[]): void {
  const seen = new Map<number, string>();
  for (const [flag, port] of ports) {
    const first = seen.get(port);
    if (port !== 0 && first !== undefined) problems.push(`--${flag}: ${port} is also the --${first}; give every server its own port`);
    else if (port !== 0) seen.set(port, flag);
  }
}

function serveProxy(flags: FlagValues, problems: string[]): ProxyOptions | undefined {
  const portText = flagString(flags, 'proxy-port');
  const wanted = flags.has('proxy') || portText !== undefined;
  if (!wanted) {
    for (const name of ['proxy-address', 'lb-policy', 'outlier-event-log', 'retry-on', 'proxy-workers', ...RETRY_DETAIL_FLAGS]) {
      if (flags.has(name)) problems.push(`--${name}: only applies to the native proxy; add --proxy-port PORT (or --proxy)`);
    }
    return undefined;
  }
  if (!flags.has('config-dir') && !flags.has('kubernetes')) {
    const flag = portText !== undefined ? 'proxy-port' : 'proxy';
    problems.push(`--${flag}: the native proxy serves the routes of --config-dir or --kubernetes; give one of them (--xds-resources holds Envoy resources, which the proxy does not read)`);
  }
  return proxyOf(flags, portText === undefined ? undefined : Number(portText), problems);
}

/** `500ms`, `2s`, `1.5s`, `1m` -> milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

const K8S_ONLY = ['kubeconfig', 'namespace', 'lease-duration', 'lease-renew-deadline', 'lease-retry-period'];

/** `--kubernetes` and its companions; every misuse is a problem naming its flag. */
function serveKubernetes(flags: FlagValues, problems: string[]): KubernetesOptions | undefined {
  if (!flags.has('kubernetes')) {
    for (const name of K8S_ONLY) if (flags.has(name)) problems.push(`--${name}: only applies with --kubernetes`);
    return undefined;
  }
  for (const other of ['config-dir', 'xds-resources']) {
    if (flags.has(other)) problems.push(`--kubernetes: cannot be combined with --${other}; both would publish the same snapshot, so give one of them`);
  }
  const given = flags.get('namespace');
  const namespaces: string[] = [];
  for (const ns of Array.isArray(given) ? (given as readonly string[]) : []) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) problems.push(`--namespace: "${ns}" is not a namespace name (lower-case letters, digits and '-', at most 63)`);
    else if (namespaces.includes(ns)) problems.push(`--namespace: ${ns} is listed twice`);
    else namespaces.push(ns);
  }
  return { kubeconfig: flagString(flags, 'kubeconfig'), namespaces, election: leaseTimings(flags, problems) };
}

function leaseTimings(flags: FlagValues, problems: string[]): KubernetesOptions['election'] {
  const value = (name: keyof typeof LEASE_DEFAULTS_MS): number | undefined => {
    const text = flagString(flags, name);
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`--${name}: "${text}" is not a duration (e.g. 500ms, 2s, 1m)`);
    return ms;
  };
  const lease = value('lease-duration');
  const renew = value('lease-renew-deadline');
  const retry = value('lease-retry-period');
  const [l, d, r] = [lease ?? LEASE_DEFAULTS_MS['lease-duration'], renew ?? LEASE_DEFAULTS_MS['lease-renew-deadline'], retry ?? LEASE_DEFAULTS_MS['lease-retry-period']];
  if ((lease ?? renew ?? retry) !== undefined && !(l > d && d > r)) {
    problems.push(`--lease-duration: needs lease duration > renew deadline > retry period, got ${l} ms, ${d} ms, ${r} ms (defaults 15s, 10s, 2s; give the three together)`);
  }
  return { ...(lease !== undefined ? { leaseDurationMs: lease } : {}), ...(renew !== undefined ? { renewDeadlineMs: renew } : {}), ...(retry !== undefined ? { retryPeriodMs: retry } : {}) };
}

function proxyOf(flags: FlagValues, port: number | undefined, problems: string[]): ProxyOptions {
  const retry = retryOf(flags, problems);
  const workers = workersOf(flagString(flags, 'proxy-workers'), problems);
  return {
    port,
    address: flagString(flags, 'proxy-address') ?? '0.0.0.0',
    lbPolicy: flagString(flags, 'lb-policy') as LbPolicy | undefined,
    ...(retry ? { retry } : {}),
    ...(workers > 1 ? { workers } : {}),
  };
}

/** The most proxy workers `--proxy-workers` takes. */
const MAX_PROXY_WORKERS = 64;

/** `--proxy-workers N|auto` (default 1); `auto`: one per CPU this process may use. */
export function workersOf(text: string | undefined, problems: string[], cpus: () => number = availableParallelism): number {
  if (text === undefined) return 1;
  if (text === 'auto') return Math.max(1, Math.min(MAX_PROXY_WORKERS, cpus()));
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= MAX_PROXY_WORKERS) return n;
  problems.push(`--proxy-workers: "${text}" is not "auto" or a whole number from 1 to ${MAX_PROXY_WORKERS}`);
  return 1;
}

/** `--retry-on` and its companions as the native proxy's RetryPolicy (Envoy's defaults for the rest). */
function retryOf(flags: FlagValues, problems: string[]): RetryPolicy | undefined {
  const on = flagString(flags, 'retry-on');
  if (on === undefined) {
    for (const name of RETRY_DETAIL_FLAGS) if (flags.has(name)) problems.push(`--${name}: only applies with --retry-on`);
    return undefined;
  }
  const retryOn = parseRetryOn(on);
  if (typeof retryOn === 'string') problems.push(`--retry-on: ${retryOn}`);
  const numText = flagString(flags, 'num-retries');
  const numRetries = numText === undefined ? ENVOY_RETRY_DEFAULTS.numRetries : Number(numText);
  if (!/^\d+$/.test(numText ?? '0') || numRetries > 10) problems.push(`--num-retries: "${numText}" is not a whole number from 0 to 10`);
  const duration = (name: string, fallback: number, zeroOk: boolean): number => {
    const text = flagString(flags, name);
    if (text === undefined) return fallback;
    if (zeroOk && /^0(ms|s)?$/.test(text)) return 0;
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`--${name}: "${text}" is not a duration (e.g. 250ms, 2s)`);
    return ms ?? fallback;
  };
  const backoffBaseMs = duration('retry-backoff', ENVOY_RETRY_DEFAULTS.backoffBaseMs, true);
  return {
    retryOn: typeof retryOn === 'string' ? [] : retryOn,
    numRetries,
    perTryTimeoutMs: duration('per-try-timeout', ENVOY_RETRY_DEFAULTS.perTryTimeoutMs, false),
    previousHosts: ENVOY_RETRY_DEFAULTS.previousHosts,
    backoffBaseMs,
    backoffMaxMs: 10 * backoffBaseMs,
  };
}

function buildServe(command: 'serve' | 'quickstart') {
  return (flags: FlagValues, _positionals: readonly string[], env: Env, problems: string[]): ServeOptions => {
    const str = (name: string): string | undefined => flagString(flags, name);
    const quick = command === 'quickstart';
    const xds = { address: str('xds-address') ?? '0.0.0.0', port: Number(str('xds-port') ?? 18000) };
    const admin = { address: str('admin-address') ?? '127.0.0.1', port: Number(str('admin-port') ?? 19000) };
    if (flags.has('config-dir') && flags.has('xds-resources')) {
      problems.push('--config-dir: cannot be combined with --xds-resources; both would publish the same snapshot, so give one of them');
    }
    const kubernetes = quick ? undefined : serveKubernetes(flags, problems);
    const proxy = quick ? proxyOf(flags, Number(str('proxy-port') ?? QUICKSTART_DEFAULTS.proxyPort), problems) : serveProxy(flags, problems);
    const demoUpstreams = quick ? parsePortList('demo-ports', str('demo-ports') ?? QUICKSTART_DEFAULTS.demoPorts.join(','), problems) : [];
    const ports: [string, number][] = [['xds-port', xds.port], ['admin-port', admin.port]];
    if (proxy?.port !== undefined) ports.push(['proxy-port', proxy.port]);
    for (const p of demoUpstreams) ports.push(['demo-ports', p]);
    checkPortClashes(ports, problems);
    return {
      command,
      xds,
      admin,
      nodeHash: (str('node-hash') ?? 'cluster') as NodeHashKind,
      xdsResources: str('xds-resources'),
      configDir: str('config-dir'),
      kubernetes,
      gatewayClass: str('gateway-class'),
      controlPlaneId: str('control-plane-id'),
      proxy,
      outlierEventLog: proxy ? (str('outlier-event-log') ?? (quick ? QUICKSTART_DEFAULTS.outlierEventLog : undefined)) : undefined,
      demoUpstreams,
      logLevel: logLevelOf(flags, env, problems),
      traces: (env.HEALTHPLANE_TRACE ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    };
  };
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'run the xDS server and the admin server (and, with --proxy-port or --proxy, the native proxy)',
  usage: 'healthplane serve [--config-dir DIR | --kubernetes [--kubeconfig FILE] [--namespace NS]... | --xds-resources FILE] [--proxy-port PORT | --proxy] [flags]',
  flags: SERVE_FLAGS,
  build: buildServe('serve'),
};

export const quickstartCommand: CommandSpec = {
  name: 'quickstart',
  summary: 'what `npm start` runs: serve examples/quickstart with the native proxy on :10000 and demo upstreams on :9001-9003',
  usage: 'healthplane quickstart [--proxy-port PORT] [--admin-port PORT] [--xds-port PORT] [--demo-ports LIST] [flags]',
  flags: QUICKSTART_FLAGS,
  build: buildServe('quickstart'),
};

function buildDemoUpstream(flags: FlagValues, _positionals: readonly string[], env: Env, problems: string[]): DemoUpstreamCommandOptions {
  const port = flagString(flags, 'port');
  if (port === undefined) problems.push('--port: required (the port to listen on; 0 picks a free one)');
  return {
    command: 'demo-upstream',
    port: Number(port ?? 0),
    host: flagString(flags, 'host') ?? '127.0.0.1',
    name: flagString(flags, 'name'),
    logLevel: logLevelOf(flags, env, problems),
  };
}

export const demoUpstreamCommand: CommandSpec = {
  name: 'demo-upstream',
  summary: 'run the httpbin-like demo upstream (/status/{code}, /delay/{s}, /get, /headers; POST /admin/fail?status=N, /admin/recover)',
  usage: 'healthplane demo-upstream --port N [--name X] [--host H]',
  flags: [
    { name: 'port', kind: 'port', value: 'N', help: 'port to listen on (required; 0 picks a free port, logged)' },
    { name: 'host', kind: 'address', value: 'H', default: '127.0.0.1', help: 'address to bind' },
    { name: 'name', kind: 'string', value: 'X', help: 'sent as x-demo-upstream on every response (default demo-<port>)' },
    LOG_LEVEL_FLAG,
    HELP_FLAG,
  ],
  build: buildDemoUpstream,
};
