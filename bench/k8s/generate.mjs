// Generates the k8s benchmark's cluster content as API objects (JSON, as `kubectl apply` would
// create them): S Services, each with one EndpointSlice (3 endpoints: 2 ready, 1 terminating), and
// R HTTPRoutes on one shared Gateway, each route sending to S/R of the Services (weighted
// backendRefs), so every Service and EndpointSlice is referenced. Spread over N namespaces.
// Deterministic: the same counts give the same objects.

const nsName = (k) => `ns-${String(k).padStart(3, '0')}`;
const svcName = (i) => `svc-${String(i).padStart(5, '0')}`;

export function clusterObjects({ services, routes, namespaces }) {
  if (!(services % routes === 0 && routes % namespaces === 0)) throw new Error('--services must be a multiple of --routes, and --routes of --namespaces');
  const perRoute = services / routes;
  const objects = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'healthplane' }, spec: { controllerName: 'healthplane.dev/gateway-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'gateway' },
      spec: { gatewayClassName: 'healthplane', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    },
  ];
  for (let r = 0; r < routes; r++) {
    const ns = namespaceOf(r * perRoute, { services, namespaces });
    const backendRefs = [];
    for (let j = 0; j < perRoute; j++) {
      const i = r * perRoute + j;
      objects.push(service(ns, i), endpointSlice(ns, i, 0));
      backendRefs.push({ name: svcName(i), port: 80, weight: 1 });
    }
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `route-${String(r).padStart(4, '0')}`, namespace: ns },
      spec: { parentRefs: [{ name: 'edge', namespace: 'gateway' }], hostnames: [`app-${r}.example.com`], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs }] },
    });
  }
  return objects;
}

/** The namespace of Service i (Services are spread evenly, a route's Services in one namespace). */
export function namespaceOf(i, { services, namespaces }) {
  return nsName(Math.floor(i / (services / namespaces)));
}

function service(ns, i) {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: svcName(i), namespace: ns, labels: { app: svcName(i) } },
    spec: { selector: { app: svcName(i) }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/** Service i's EndpointSlice; `variant` moves its first endpoint (the benchmark's change). */
export function endpointSlice(ns, i, variant) {
  const ip = (k) => `10.${100 + k}.${(i >> 8) & 255}.${i & 255}`;
  const first = variant === 0 ? ip(0) : `10.${200 + (variant % 50)}.${(i >> 8) & 255}.${i & 255}`;
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${svcName(i)}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': svcName(i) } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: [first], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-a' },
      { addresses: [ip(1)], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-b' },
      { addresses: [ip(2)], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node-c' },
    ],
  };
}
