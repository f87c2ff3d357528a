/**
 * The config folder the native-proxy e2e tests share: a Gateway on 8080 and two Gloo Upstreams over
 * the same static hosts, each behind its own HTTPRoute. `od` (host od.test) has outlier detection
 * only (consecutive5xx 3, baseEjectionTime 2s, interval 500ms); `hc` (host hc.test) has a TCP
 * health check every 500 ms (2 failures, 1 success) and panic threshold 0. Pure text.
 */
export const OD_CLUSTER = 'od_default';
export const HC_CLUSTER = 'hc_default';

export interface OdHcOptions {
  /** GatewayClass name (and controller `example.com/<name>`). */
  readonly className: string;
  /** The `hc` Upstream's health-check event log (`eventLogPath`), if any. */
  readonly hcLog?: string;
}

function route(name: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  hostnames: [${name}.test]
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{group: gloo.solo.io, kind: Upstream, name: ${name}}]}]
`;
}

/** The folder's one YAML file for upstream `ports` on 127.0.0.1. */
export function odHcFolder(ports: readonly number[], options: OdHcOptions): string {
  const hosts = ports.map((p) => `{addr: 127.0.0.1, port: ${p}}`).join(', ');
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${options.className}}
spec: {controllerName: example.com/${options.className}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: ${options.className}
  listeners: [{name: http, port: 8080, protocol: HTTP}]
---${route('od')}---${route('hc')}---
apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: od, namespace: default}
spec:
  static: {hosts: [${hosts}]}
  outlierDetection: {consecutive5xx: 3, baseEjectionTime: 2s, maxEjectionPercent: 100, interval: 500ms}
---
apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: hc, namespace: default}
spec:
  static: {hosts: [${hosts}]}
  loadBalancerConfig: {healthyPanicThreshold: 0}
  healthChecks:
  - tcpHealthCheck: {}
    interval: 500ms
    noTrafficInterval: 500ms
    timeout: 400ms
    unhealthyThreshold: 2
    healthyThreshold: 1${options.hcLog !== undefined ? `\n    eventLogPath: ${options.hcLog}` : ''}
`;
}
