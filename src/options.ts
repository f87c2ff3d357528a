/**
 * Command-line options: owns the command table (one small entry per command; the long-running
 * commands' entries live in cli/serve-commands.ts), flag parsing, defaults and help text. Receives argv and an environment record; emits one frozen Options value
 * or a ConfigError listing every problem (each naming its flag, with a hint for near misses).
 * Never touches the file system, the network or process.env (main.ts passes the environment in).
 */
import { isIP } from 'node:net';
import { demoUpstreamCommand, quickstartCommand, serveCommand } from './cli/serve-commands';
import { HELP_FLAG, type CommandSpec, type FlagSpec, type FlagValues } from './cli/flags';
import { ConfigError } from './errors';
import type { LogLevel } from './log';
import type { LbPolicy } from './proxy/load-balancer';
import type { RetryPolicy } from './proxy/retry-policy';

export type NodeHashKind = 'cluster' | 'id';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface ServeOptions {
  readonly command: 'serve' | 'quickstart';
  readonly xds: Endpoint;
  readonly admin: Endpoint;
  readonly nodeHash: NodeHashKind;
  /** Envoy resources (JSON/YAML {clusters, endpoints, listeners, routes}) served to every node. */
  readonly xdsResources: string | undefined;
  /** A folder of input resources (YAML/JSON), translated and served; watched for changes. */
  readonly configDir: string | undefined;
  /** `--kubernetes`: the cluster's objects, translated and served (undefined: not watched). */
  readonly kubernetes: KubernetesOptions | undefined;
  /** Serve only Gateways of this GatewayClass (every class when undefined). */
  readonly gatewayClass: string | undefined;
  readonly controlPlaneId: string | undefined;
  /** The native proxy (undefined: not run). */
  readonly proxy: ProxyOptions | undefined;
  /** Where the native proxy appends outlier events (Envoy's bootstrap outlier event log). */
  readonly outlierEventLog: string | undefined;
  /** quickstart: ports of the built-in demo upstreams on 127.0.0.1 (empty for serve). */
  readonly demoUpstreams: readonly number[];
  readonly logLevel: LogLevel;
  /** Trace categories (HEALTHPLANE_TRACE, comma separated). */
  readonly traces: readonly string[];
}

export interface KubernetesOptions {
  /** `--kubeconfig FILE`; undefined: $KUBECONFIG, else the in-cluster service account. */
  readonly kubeconfig: string | undefined;
  /** `--namespace NS` (repeatable); empty: every namespace. */
  readonly namespaces: readonly string[];
  /** The hidden --lease-* flags; each undefined: client-go's default (15 s, 10 s, 2 s). */
  readonly election: { readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
}

export interface ProxyOptions {
  /** One port for every route; undefined: each IR listener on its own port. */
  readonly port: number | undefined;
  /** Bind address of the one-port server. */
  readonly address: string;
  /** Overrides every backend's load-balancing policy. */
  readonly lbPolicy: LbPolicy | undefined;
  /** `--retry-on` and companions; undefined: no retries (Envoy's default). */
  readonly retry?: RetryPolicy;
  /** `--proxy-workers`: processes serving the proxy ports (1: this process serves, the default). */
  readonly workers?: number;
}

/** `demo-upstream`: one httpbin-like server until a signal. */
export interface DemoUpstreamCommandOptions {
  readonly command: 'demo-upstream';
  readonly port: number;
  readonly host: string;
  readonly name: string | undefined;
  readonly logLevel: LogLevel;
}

export interface HelpOptions {
  readonly command: 'help';
  /** The command whose help was asked for; undefined for the general help. */
  readonly topic: string | undefined;
}

export interface VersionOptions {
  readonly command: 'version';
}

/** `translate` and `validate`: input files or folders, read once. */
export interface InputCommandOptions {
  readonly command: 'translate' | 'validate';
  readonly paths: readonly string[];
  readonly output: 'json' | 'yaml';
  readonly gatewayClass: string | undefined;
}

export interface BootstrapOptions {
  readonly command: 'bootstrap';
  readonly nodeId: string;
  readonly nodeCluster: string | undefined;
  /** The ADS server Envoy connects to. */
  readonly xds: Endpoint;
  readonly delta: boolean;
  readonly adminPort: number;
}

export type Options = ServeOptions | DemoUpstreamCommandOptions | InputCommandOptions | BootstrapOptions | HelpOptions | VersionOptions;

export type Env = Readonly<Record<string, string | undefined>>;

const INPUT_FLAGS: readonly FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'string', repeatable: true, value: 'PATH', help: 'a resource file (YAML or JSON, multi-document) or a folder of them; repeatable' },
  { name: 'gateway-class', kind: 'string', value: 'NAME', help: 'translate only Gateways of this GatewayClass (default: every class)' },
];

function buildInputCommand(command: 'translate' | 'validate') {
  return (flags: FlagValues, positionals: readonly string[], _env: Env, problems: string[]): InputCommandOptions => {
    const given = flags.get('filename');
    const paths = [...(Array.isArray(given) ? given : []), ...positionals];
    if (paths.length === 0) problems.push(`--filename (-f): give at least one file or folder to ${command}`);
    const output = flags.get('output');
    const gatewayClass = flags.get('gateway-class');
    return {
      command,
      paths,
      output: output === 'yaml' ? 'yaml' : 'json',
      gatewayClass: typeof gatewayClass === 'string' ? gatewayClass : undefined,
    };
  };
}

export const DEFAULT_BOOTSTRAP_XDS = '127.0.0.1:18000';

function buildBootstrap(flags: FlagValues, _positionals: readonly string[], _env: Env, problems: string[]): BootstrapOptions {
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const nodeId = str('node-id');
  if (nodeId === undefined) problems.push('--node-id: required (the node.id Envoy sends to the xDS server)');
  const xds = splitHostPort(str('xds-address') ?? DEFAULT_BOOTSTRAP_XDS) ?? { address: '127.0.0.1', port: 18000 };
  return {
    command: 'bootstrap',
    nodeId: nodeId ?? '',
    nodeCluster: str('node-cluster'),
    xds,
    delta: flags.get('delta') === true,
    adminPort: Number(str('admin-port') ?? 9901),
  };
}

/** `host:port` or `[v6]:port` -> Endpoint; undefined when malformed. */
export function splitHostPort(value: string): Endpoint | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const address = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (isIP(address) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(address)) return undefined;
  return { address, port };
}

const COMMANDS: readonly CommandSpec[] = [
  serveCommand,
  quickstartCommand,
  demoUpstreamCommand,
  {
    name: 'translate',
    summary: "print the Envoy resources (listeners, routes, clusters, endpoints) the inputs translate to, in Envoy's JSON form",
    usage: 'healthplane translate -f PATH... [-o json|yaml] [--gateway-class NAME]',
    flags: [
      ...INPUT_FLAGS,
      { name: 'output', short: 'o', kind: { oneOf: ['json', 'yaml'] }, value: 'json|yaml', default: 'json', help: 'output format' },
      HELP_FLAG,
    ],
    positionals: ['PATH'],
    variadic: true,
    build: buildInputCommand('translate'),
  },
  {
    name: 'validate',
    summary: 'print every error and warning in the inputs (file:line kind/namespace/name path: message); exit 1 on any error',
    usage: 'healthplane validate -f PATH... [--gateway-class NAME]',
    flags: [...INPUT_FLAGS, HELP_FLAG],
    positionals: ['PATH'],
    variadic: true,
    build: buildInputCommand('validate'),
  },
  {
    name: 'bootstrap',
    summary: 'print an Envoy bootstrap (YAML) that takes its listeners and clusters from healthplane over ADS',
    usage: 'healthplane bootstrap --node-id ID [--node-cluster C] [--xds-address HOST:PORT] [--delta] [--admin-port N]',
    flags: [
      { name: 'node-id', kind: 'string', value: 'ID', help: "the Envoy's node.id (required)" },
      { name: 'node-cluster', kind: 'string', value: 'C', help: "the Envoy's node.cluster (healthplane groups nodes by it with --node-hash cluster)" },
      { name: 'xds-address', kind: 'hostport', value: 'HOST:PORT', default: DEFAULT_BOOTSTRAP_XDS, help: 'where healthplane serves xDS' },
      { name: 'delta', kind: 'boolean', help: 'use the incremental (delta) xDS protocol (api_type DELTA_GRPC)' },
      { name: 'admin-port', kind: 'port', value: 'N', default: '9901', help: "port of Envoy's admin interface (bound to 127.0.0.1)" },
      HELP_FLAG,
    ],
    build: buildBootstrap,
  },
  {
    name: 'version',
    summary: 'print the version and exit',
    usage: 'healthplane version',
    flags: [HELP_FLAG],
    build: () => ({ command: 'version' }),
  },
  {
    name: 'help',
    summary: 'show help for a command',
    usage: 'healthplane help [COMMAND]',
    flags: [HELP_FLAG],
    positionals: ['COMMAND'],
    build: (_flags, positionals, _env, problems) => {
      const topic = positionals[0];
      if (topic !== undefined && !findCommand(topic)) problems.push(unknownCommand(topic));
      return { command: 'help', topic };
    },
  },
];

function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/**
 * Parses argv (without the node and script paths) and the environment. Returns frozen options;
 * throws one ConfigError naming every problem found.
 */
export function parseOptions(argv: readonly string[], env: Env): Readonly<Options> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return deepFreeze({ command: 'help', topic: undefined });
  if (first === '--version') return deepFreeze({ command: 'version' });
  const spec = findCommand(first);
  if (!spec) throw new ConfigError([unknownCommand(first)]);
  const problems: string[] = [];
  const { flags, positionals } = scanArgs(spec, rest, problems);
  if (flags.has('help')) {
    if (problems.length > 0) throw new ConfigError(problems);
    return deepFreeze({ command: 'help', topic: spec.name });
  }
  const options = spec.build(flags, positionals, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(options);
}

function scanArgs(spec: CommandSpec, args: readonly string[], problems: string[]): { flags: FlagValues; positionals: string[] } {
  const flags = new Map<string, string | true | readonly string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    const short = /^-([A-Za-z])$/.exec(arg)?.[1];
    if (!arg.startsWith('--') && short === undefined) {
      positionals.push(arg);
      continue;
    }
    const eq = short !== undefined ? -1 : arg.indexOf('=');
    const flag = short !== undefined ? spec.flags.find((f) => f.short === short) : spec.flags.find((f) => f.name === arg.slice(2, eq >= 0 ? eq : undefined));
    const name = flag?.name ?? (short ?? arg.slice(2, eq >= 0 ? eq : undefined));
    if (!flag) {
      problems.push(short !== undefined ? `-${short}: unknown flag for "${spec.name}"` : unknownFlag(spec, name));
      if (eq < 0 && args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('-')) i++;
      continue;
    }
    if (flags.has(name) && !flag.repeatable) problems.push(`--${name}: given more than once`);
    if (flag.kind === 'boolean') {
      if (eq >= 0) problems.push(`--${name}: takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('--') && !/^-[A-Za-z]$/.test(args[i + 1] as string)) value = args[++i];
    if (value === undefined) {
      problems.push(`--${name}: needs a value (${flag.value ?? 'VALUE'})`);
      continue;
    }
    const problem = checkValue(flag, value);
    if (problem) problems.push(`--${name}: ${problem}`);
    else if (flag.repeatable) flags.set(name, [...((flags.get(name) as readonly string[] | undefined) ?? []), value]);
    else flags.set(name, value);
  }
  const allowed = spec.variadic ? Infinity : (spec.positionals?.length ?? 0);
  if (positionals.length > allowed) {
    problems.push(`unexpected argument${positionals.length - allowed > 1 ? 's' : ''} ${positionals.slice(allowed).map((p) => `"${p}"`).join(', ')} for "${spec.name}"`);
  }
  return { flags, positionals };
}

function checkValue(flag: FlagSpec, value: string): string | undefined {
  const kind = flag.kind;
  if (kind === 'port') {
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `"${value}" is not a port (0-65535)`;
    return undefined;
  }
  if (kind === 'address') {
    if (isIP(value) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) return undefined;
    return `"${value}" is not an IP address or host name`;
  }
  if (kind === 'hostport') return splitHostPort(value) ? undefined : `"${value}" is not HOST:PORT (e.g. 127.0.0.1:18000)`;
  if (kind === 'string') return value === '' ? 'must not be empty' : undefined;
  if (kind === 'boolean') return undefined;
  if (kind.oneOf.includes(value)) return undefined;
  const hint = closest(value, kind.oneOf);
  return `"${value}" is not one of ${kind.oneOf.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
}

function unknownCommand(name: string): string {
  const hint = closest(name, COMMANDS.map((c) => c.name));
  return `unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; run "healthplane help"`;
}

/** Names people reach for that are not ours, and the flag they mean. */
const FLAG_ALIASES: Readonly<Record<string, string>> = {
  port: 'xds-port',
  'grpc-port': 'xds-port',
  address: 'xds-address',
  'listen-address': 'xds-address',
  resources: 'xds-resources',
  file: 'xds-resources',
  config: 'config-dir',
  'log-format': 'log-level',
  'node-id': 'node-hash',
};

function unknownFlag(spec: CommandSpec, name: string): string {
  const alias = FLAG_ALIASES[name];
  const hint = alias !== undefined && spec.flags.some((f) => f.name === alias) ? alias : closest(name, spec.flags.map((f) => f.name));
  return `--${name}: unknown flag for "${spec.name}"${hint ? ` (did you mean --${hint}?)` : ''}`;
}

/** The candidate closest to `input` when it is a plausible misspelling (edit distance ≤ 2, or ≤ a third of the length). */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(input.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Help text: the general overview, or one command's usage and flags. */
export function helpText(topic?: string): string {
  const spec = topic === undefined ? undefined : findCommand(topic);
  if (!spec) {
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
    return ['Usage: healthplane <command> [flags]', '', 'Commands:', ...lines, '', 'Run "healthplane help <command>" for the flags of a command.', ''].join('\n');
  }
  const shown = spec.flags.filter((f) => !f.hidden);
  const labels = shown.map((f) => `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...labels.map((l) => l.length));
  const lines = shown.map((f, i) => `  ${(labels[i] as string).padEnd(width)}  ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`);
  return [`Usage: ${spec.usage}`, '', spec.summary, '', 'Flags:', ...lines, ''].join('\n');
}
