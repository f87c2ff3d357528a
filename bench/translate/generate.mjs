// Generates the translate benchmark's inputs as YAML files, one per namespace: Gloo Upstreams
// (half static hosts, half kube Upstreams over a Service + EndpointSlice), one HTTPRoute per
// Upstream (its own hostname, attached to one shared Gateway), plus the GatewayClass and Gateway.
// Deterministic: the same counts always give the same bytes.

/** One namespace's file: `perNamespace` Upstreams and as many HTTPRoutes. */
export function namespaceYaml(ns, first, count, variant = 0) {
  const docs = [];
  for (let i = first; i < first + count; i++) {
    const name = `up-${i}`;
    const kube = i % 2 === 1;
    docs.push(upstream(ns, name, kube, i, variant));
    if (kube) docs.push(service(ns, `svc-${i}`), endpointSlice(ns, `svc-${i}`, i));
    docs.push(httpRoute(ns, `route-${i}`, name, i));
  }
  return docs.join('---\n');
}

export function gatewayYaml(namespaces) {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: healthplane}
spec: {controllerName: healthplane.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: gateway}
spec:
  gatewayClassName: healthplane
  listeners:
  - {name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
# ${namespaces} namespaces attach routes here
`;
}

/** `variant` changes the probe interval: the benchmark's "one changed object". */
function upstream(ns, name, kube, i, variant) {
  const target = kube
    ? `  kube: {serviceName: svc-${i}, serviceNamespace: ${ns}, servicePort: 80}`
    : `  static:\n    hosts:\n    - {addr: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, port: 8080}\n    - {addr: 10.${((i >> 16) & 255) + 100}.${(i >> 8) & 255}.${i & 255}, port: 8080}`;
  return `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: ${name}, namespace: ${ns}}
spec:
${target}
  healthChecks:
  - timeout: 1s
    interval: ${2 + variant}s
    unhealthyThreshold: 2
    healthyThreshold: 1
    httpHealthCheck: {path: /healthz}
  outlierDetection: {consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}
  ignoreHealthOnHostRemoval: true
`;
}

function service(ns, name) {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
`;
}

function endpointSlice(ns, svc, i) {
  const ip = (k) => `10.${200 + k}.${(i >> 8) & 255}.${i & 255}`;
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${svc}-abc
  namespace: ${ns}
  labels: {kubernetes.io/service-name: ${svc}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [${ip(0)}], conditions: {ready: true}}
- {addresses: [${ip(1)}], conditions: {ready: true}}
- {addresses: [${ip(2)}], conditions: {ready: false, serving: true, terminating: true}}
`;
}

function httpRoute(ns, name, upstreamName, i) {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${ns}}
spec:
  parentRefs: [{name: edge, namespace: gateway}]
  hostnames: [app-${i}.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{group: gloo.solo.io, kind: Upstream, name: ${upstreamName}}]
`;
}
