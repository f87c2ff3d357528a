/**
 * gloo.solo.io/v1 Upstream: the kube and static variants with Envoy-shaped health fields
 * (camelCase copies of Envoy v2 HealthCheck and OutlierDetection). Durations are Go-style strings.
 */
import type { KubeObject } from './meta';

export interface Int64Range {
  readonly start: number;
  readonly end: number;
}

export interface HeaderValueOption {
  readonly header: { readonly key: string; readonly value: string };
  readonly append?: boolean;
}

export interface GlooHttpHealthCheck {
  readonly host?: string;
  readonly path?: string;
  readonly serviceName?: string;
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly useHttp2?: boolean;
  readonly expectedStatuses?: readonly Int64Range[];
  readonly method?: string;
}

export interface GlooTcpHealthCheck {
  readonly send?: { readonly text?: string };
  readonly receive?: readonly { readonly text?: string }[];
}

export interface GlooGrpcHealthCheck {
  readonly serviceName?: string;
  readonly authority?: string;
  readonly initialMetadata?: readonly HeaderValueOption[];
}

export interface GlooHealthCheck {
  readonly timeout?: string;
  readonly interval?: string;
  readonly initialJitter?: string;
  readonly intervalJitter?: string;
  readonly intervalJitterPercent?: number;
  readonly unhealthyThreshold?: number;
  readonly healthyThreshold?: number;
  readonly reuseConnection?: boolean;
  readonly noTrafficInterval?: string;
  readonly unhealthyInterval?: string;
  readonly unhealthyEdgeInterval?: string;
  readonly healthyEdgeInterval?: string;
  readonly eventLogPath?: string;
  readonly alwaysLogHealthCheckFailures?: boolean;
  readonly httpHealthCheck?: GlooHttpHealthCheck;
  readonly tcpHealthCheck?: GlooTcpHealthCheck;
  readonly grpcHealthCheck?: GlooGrpcHealthCheck;
  readonly customHealthCheck?: Readonly<Record<string, unknown>>;
}

export interface GlooOutlierDetection {
  readonly consecutive5xx?: number;
  readonly interval?: string;
  readonly baseEjectionTime?: string;
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
}

export interface GlooKubeSpec {
  readonly serviceName?: string;
  readonly serviceNamespace?: string;
  readonly servicePort?: number;
  readonly selector?: Readonly<Record<string, string>>;
}

export interface GlooStaticHost {
  readonly addr?: string;
  readonly port?: number;
  readonly sniAddr?: string;
  readonly loadBalancingWeight?: number;
  readonly healthCheckConfig?: { readonly path?: string; readonly method?: string };
}

export interface GlooStaticSpec {
  readonly hosts?: readonly GlooStaticHost[];
  readonly useTls?: boolean;
  readonly autoSniRewrite?: boolean;
}

/** Envoy's per-cluster circuit-breaker thresholds (uint32 each; absent: Envoy's default). */
export interface GlooCircuitBreakers {
  readonly maxConnections?: number;
  readonly maxPendingRequests?: number;
  readonly maxRequests?: number;
  readonly maxRetries?: number;
}

export interface UpstreamSpec {
  readonly kube?: GlooKubeSpec;
  readonly static?: GlooStaticSpec;
  readonly healthChecks?: readonly GlooHealthCheck[];
  readonly outlierDetection?: GlooOutlierDetection;
  readonly ignoreHealthOnHostRemoval?: boolean;
  readonly loadBalancerConfig?: { readonly healthyPanicThreshold?: number };
  readonly connectionConfig?: { readonly connectTimeout?: string };
  readonly circuitBreakers?: GlooCircuitBreakers;
}

export type Upstream = KubeObject<'Upstream', UpstreamSpec>;
