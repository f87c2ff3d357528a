/**
 * The intermediate representation: what healthplane will serve, in domain terms, independent of
 * Envoy. Produced by translate/ (pure), consumed by xds/translate/ (Envoy mode) and by proxy/
 * (native mode). Readonly plain data, YAML-serialisable, sorted by name; durations in ms.
 * An optional field means "the engine's default" (see ir/defaults.ts), never "unknown".
 */

export interface Ir {
  readonly listeners: readonly Listener[];
  readonly backends: readonly Backend[];
}

/** One socket: every Gateway listener (and the Kong Ingress listener) sharing a port. */
export interface Listener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: 'HTTP';
  /** `Gateway/ns/name/listener` keys (or `Ingress class kong`) that contributed to this socket. */
  readonly sources: readonly string[];
  readonly virtualHosts: readonly VirtualHost[];
}

export interface VirtualHost {
  readonly name: string;
  /** Exact host, `*.suffix` wildcard, or `*` for any host. */
  readonly hostname: string;
  /** In match order: the first route whose match succeeds handles the request. */
  readonly routes: readonly Route[];
}

export interface Route {
  readonly name: string;
  /** `HTTPRoute/ns/name` or `Ingress/ns/name` with rule/match indexes; for humans and status. */
  readonly origin: string;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  readonly requestHeaders?: HeaderModifier;
  readonly responseHeaders?: HeaderModifier;
}

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type StringMatchType = 'Exact' | 'RegularExpression';

export interface RouteMatch {
  readonly path: { readonly type: PathMatchType; readonly value: string };
  readonly headers: readonly NameValueMatch[];
  readonly queryParams: readonly NameValueMatch[];
  readonly method?: string;
}

export interface NameValueMatch {
  readonly type: StringMatchType;
  readonly name: string;
  readonly value: string;
}

export interface HeaderModifier {
  readonly set: readonly NameValue[];
  readonly add: readonly NameValue[];
  readonly remove: readonly string[];
}

export interface NameValue {
  readonly name: string;
  readonly value: string;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

export interface ForwardAction {
  readonly type: 'forward';
  /** Backends by name with relative weights (> 0). */
  readonly backends: readonly WeightedBackend[];
  /** Weight of references that could not be resolved: that share of requests gets a 500. */
  readonly unresolvedWeight: number;
  readonly rewrite?: PathRewrite;
  readonly hostRewrite?: string;
}

export interface WeightedBackend {
  readonly name: string;
  readonly weight: number;
}

/** How the forwarded path changes: replace the matched prefix, or the whole path. */
export type PathRewrite =
  | { readonly type: 'ReplacePrefixMatch'; readonly prefix: string; readonly replacement: string }
  | { readonly type: 'ReplaceFullPath'; readonly path: string };

export interface RedirectAction {
  readonly type: 'redirect';
  readonly statusCode: number;
  readonly scheme?: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: PathRewrite;
}

export interface DirectResponseAction {
  readonly type: 'directResponse';
  readonly status: number;
  readonly body?: string;
}

export type HealthEngine = 'envoy' | 'kong';
export type LoadBalancing = 'round-robin' | 'least-request';

export interface Backend {
  /** Unique; the cluster name (ir/names.ts) users see in /clusters and stats. */
  readonly name: string;
  /** `Kind/ns/name` of the objects that defined this backend (Upstream, Service, policy). */
  readonly origins: readonly string[];
  /** Which native health engine runs it: Envoy semantics, or Kong's when a KongUpstreamPolicy applies. */
  readonly engine: HealthEngine;
  readonly connectTimeoutMs: number;
  readonly loadBalancing: LoadBalancing;
  readonly endpoints: readonly Endpoint[];
  readonly healthCheck?: ActiveHealthCheck;
  readonly outlierDetection?: OutlierDetection;
  /** Percent of healthy hosts below which health is ignored (Envoy default 50). */
  readonly healthyPanicThresholdPercent?: number;
  readonly ignoreHealthOnHostRemoval?: boolean;
  /** Envoy's default-priority circuit-breaker thresholds the user set (others: ENVOY_DEFAULTS). */
  readonly circuitBreakers?: CircuitBreakers;
  /** Kong's own settings, with Kong's defaults applied, for the native Kong engine. */
  readonly kong?: KongHealthSettings;
}

/** Each a uint32; absent means Envoy's default (1024, 1024, 1024, 3). */
export interface CircuitBreakers {
  /** Connections to the cluster's hosts (the native proxy bounds each host's pool with it). */
  readonly maxConnections?: number;
  /** Requests waiting for a connection. */
  readonly maxPendingRequests?: number;
  /** Requests in flight to the cluster. */
  readonly maxRequests?: number;
  /** Retries in flight to the cluster. */
  readonly maxRetries?: number;
}

export type EndpointHealth = 'healthy' | 'unhealthy' | 'draining';

export interface Endpoint {
  /** IP address, or a DNS name (static Upstream hosts). */
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Health reported by discovery (EndpointSlice conditions); static hosts are healthy. */
  readonly health: EndpointHealth;
  readonly hostname?: string;
  /** Host header of active probes to this endpoint. */
  readonly healthCheckHostname?: string;
}

export interface ActiveHealthCheck {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly unhealthyIntervalMs?: number;
  readonly unhealthyEdgeIntervalMs?: number;
  readonly healthyEdgeIntervalMs?: number;
  readonly noTrafficIntervalMs?: number;
  readonly noTrafficHealthyIntervalMs?: number;
  readonly initialJitterMs?: number;
  readonly intervalJitterMs?: number;
  readonly intervalJitterPercent?: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly reuseConnection?: boolean;
  readonly eventLogPath?: string;
  readonly alwaysLogFailures?: boolean;
  readonly probe: HttpProbe | TcpProbe | GrpcProbe;
}

/** Half-open range of HTTP status codes [start, end). */
export interface StatusRange {
  readonly start: number;
  readonly end: number;
}

export interface HttpProbe {
  readonly type: 'http';
  readonly path: string;
  readonly host?: string;
  readonly method?: string;
  /** Default [200, 201). */
  readonly expectedStatuses?: readonly StatusRange[];
  /** Failing statuses that count toward unhealthyThreshold instead of failing at once. */
  readonly retriableStatuses?: readonly StatusRange[];
  readonly requestHeadersToAdd?: readonly ProbeHeader[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly http2?: boolean;
  /** Expected prefix of the `x-envoy-upstream-healthchecked-cluster` response header. */
  readonly serviceNamePrefix?: string;
}

export interface ProbeHeader {
  readonly name: string;
  readonly value: string;
  /** true: add another value; false: replace an existing header. */
  readonly append: boolean;
}

export interface TcpProbe {
  readonly type: 'tcp';
  /** Hex payload; absent with no `receive` means connect-only. */
  readonly send?: string;
  readonly receive?: readonly string[];
}

export interface GrpcProbe {
  readonly type: 'grpc';
  readonly serviceName?: string;
  readonly authority?: string;
  readonly initialMetadata?: readonly NameValue[];
}

export interface OutlierDetection {
  readonly consecutive5xx?: number;
  readonly intervalMs?: number;
  readonly baseEjectionTimeMs?: number;
  readonly maxEjectionTimeMs?: number;
  readonly maxEjectionPercent?: number;
  readonly enforcingConsecutive5xx?: number;
  readonly enforcingSuccessRate?: number;
  readonly successRateMinimumHosts?: number;
  readonly successRateRequestVolume?: number;
  readonly successRateStdevFactor?: number;
  readonly consecutiveGatewayFailure?: number;
  readonly enforcingConsecutiveGatewayFailure?: number;
  readonly splitExternalLocalOriginErrors?: boolean;
  readonly consecutiveLocalOriginFailure?: number;
  readonly enforcingConsecutiveLocalOriginFailure?: number;
  readonly enforcingLocalOriginSuccessRate?: number;
  readonly successfulActiveHealthCheckUnejectHost?: boolean;
}

/** The effective KongUpstreamPolicy health configuration (Kong's defaults filled in; times in ms). */
export interface KongHealthSettings {
  readonly policy: string;
  /** Kong creates a health checker only when an interval or a passive failure counter is non-zero. */
  readonly checkerEnabled: boolean;
  /** Minimum % of target weight that must be healthy, else the upstream answers 503. */
  readonly threshold: number;
  readonly active: KongActiveSettings;
  readonly passive: KongPassiveSettings;
}

export interface KongActiveSettings {
  readonly type: 'http' | 'https' | 'tcp' | 'grpc' | 'grpcs';
  readonly httpPath: string;
  readonly httpsSni?: string;
  readonly httpsVerifyCertificate: boolean;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly headers: readonly NameValue[];
  readonly healthy: { readonly intervalMs: number; readonly successes: number; readonly httpStatuses: readonly number[] };
  readonly unhealthy: KongUnhealthySettings & { readonly intervalMs: number };
}

export interface KongPassiveSettings {
  readonly type: 'http' | 'https' | 'tcp' | 'grpc' | 'grpcs';
  readonly healthy: { readonly successes: number; readonly httpStatuses: readonly number[] };
  readonly unhealthy: KongUnhealthySettings;
}

export interface KongUnhealthySettings {
  readonly httpFailures: number;
  readonly tcpFailures: number;
  readonly timeouts: number;
  readonly httpStatuses: readonly number[];
}
