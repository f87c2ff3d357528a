/**
 * The command-table entries of the long-running commands: `serve`, `quickstart` (serve with the
 * bundled folder, the native proxy and built-in demo upstreams) and `demo-upstream`. Receives the
 * scanned flags and the environment; emits ServeOptions / DemoUpstreamCommandOptions, pushing one
 * problem per bad flag combination. Never touches the file system, the network or process.env.
 */
import type { LbPolicy } from '../proxy/load-balancer';
import type { DemoUpstreamCommandOptions, Env, NodeHashKind, ProxyOptions, ServeOptions } from '../options';
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
];

const TAIL_FLAGS: readonly FlagSpec[] = [
  { name: 'gateway-class', kind: 'string', value: 'NAME', help: 'serve only Gateways of this GatewayClass (default: every class)' },
  { name: 'control-plane-id', kind: 'string', value: 'ID', help: "identifier sent in responses' control_plane.identifier" },
  LOG_LEVEL_FLAG,
  HELP_FLAG,
];

const SERVE_FLAGS: readonly FlagSpec[] = [
  ...CONTROL_PLANE_FLAGS,
  { name: 'xds-resources', kind: 'string', value: 'FILE', help: 'Envoy resources (JSON or YAML: clusters, endpoints, listeners, routes) to serve; reloaded on change' },
  { name: 'config-dir', kind: 'string', value: 'DIR', help: 'folder of input resources (Gateway API, Gloo Upstream, Kong, Service, EndpointSlice as YAML/JSON), translated and served; watched' },
  { name: 'proxy-port', kind: 'port', value: 'PORT', help: 'also run the native proxy: every route of --config-dir on this one port (0 picks a free port)' },
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
    for (const name of ['proxy-address', 'lb-policy', 'outlier-event-log']) {
      if (flags.has(name)) problems.push(`--${name}: only applies to the native proxy; add --proxy-port PORT (or --proxy)`);
    }
    return undefined;
  }
  if (!flags.has('config-dir')) {
    const flag = portText !== undefined ? 'proxy-port' : 'proxy';
    problems.push(`--${flag}: the native proxy serves the routes of --config-dir; give --config-dir DIR (--xds-resources holds Envoy resources, which the proxy does not read)`);
  }
  return proxyOf(flags, portText === undefined ? undefined : Number(portText));
}

function proxyOf(flags: FlagValues, port: number | undefined): ProxyOptions {
  return {
    port,
    address: flagString(flags, 'proxy-address') ?? '0.0.0.0',
    lbPolicy: flagString(flags, 'lb-policy') as LbPolicy | undefined,
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
    const proxy = quick ? proxyOf(flags, Number(str('proxy-port') ?? QUICKSTART_DEFAULTS.proxyPort)) : serveProxy(flags, problems);
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
  usage: 'healthplane serve [--config-dir DIR [--proxy-port PORT | --proxy] | --xds-resources FILE] [flags]',
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
