/**
 * The JSON shape of every supported kind's spec (types and API-server-required fields only; the
 * translator checks ranges and semantics). Field names are those of the upstream CRDs.
 */
import type { ResourceKind } from './resources';
import { anyValue, arr, bool, int, intOrString, map, num, obj, scalarStr, str, type ObjectShape, type Shape } from './shape';

export const METADATA_SHAPE = obj(
  {
    name: str,
    namespace: str,
    labels: map(scalarStr),
    annotations: map(scalarStr),
    creationTimestamp: str,
    generation: int,
  },
  [],
  true,
);

const range = obj({ start: int, end: int });
const headerOption = obj({ header: obj({ key: str, value: str }), append: bool });
const payload = obj({ text: str });

const glooHealthCheck = obj({
  timeout: str,
  interval: str,
  initialJitter: str,
  intervalJitter: str,
  intervalJitterPercent: int,
  unhealthyThreshold: int,
  healthyThreshold: int,
  reuseConnection: bool,
  noTrafficInterval: str,
  unhealthyInterval: str,
  unhealthyEdgeInterval: str,
  healthyEdgeInterval: str,
  eventLogPath: str,
  alwaysLogHealthCheckFailures: bool,
  httpHealthCheck: obj({
    host: str,
    path: str,
    serviceName: str,
    requestHeadersToAdd: arr(headerOption),
    requestHeadersToRemove: arr(str),
    useHttp2: bool,
    expectedStatuses: arr(range),
    method: str,
  }),
  tcpHealthCheck: obj({ send: payload, receive: arr(payload) }),
  grpcHealthCheck: obj({ serviceName: str, authority: str, initialMetadata: arr(headerOption) }),
  customHealthCheck: obj({}, [], true),
});

const glooOutlier = obj({
  consecutive5xx: int,
  interval: str,
  baseEjectionTime: str,
  maxEjectionPercent: int,
  enforcingConsecutive5xx: int,
  enforcingSuccessRate: int,
  successRateMinimumHosts: int,
  successRateRequestVolume: int,
  successRateStdevFactor: int,
  consecutiveGatewayFailure: int,
  enforcingConsecutiveGatewayFailure: int,
  splitExternalLocalOriginErrors: bool,
  consecutiveLocalOriginFailure: int,
  enforcingConsecutiveLocalOriginFailure: int,
  enforcingLocalOriginSuccessRate: int,
});

const upstream = obj({
  kube: obj({ serviceName: str, serviceNamespace: str, servicePort: int, selector: map(scalarStr), serviceSpec: anyValue, subsetSpec: anyValue }),
  static: obj({
    hosts: arr(obj({ addr: str, port: int, sniAddr: str, loadBalancingWeight: int, healthCheckConfig: obj({ path: str, method: str }), metadata: anyValue })),
    useTls: bool,
    autoSniRewrite: bool,
  }),
  healthChecks: arr(glooHealthCheck),
  outlierDetection: glooOutlier,
  ignoreHealthOnHostRemoval: bool,
  loadBalancerConfig: obj({ healthyPanicThreshold: num }, [], true),
  connectionConfig: obj({ connectTimeout: str }, [], true),
  // Numbers, not ints: the translator reports a bad value and keeps the rest of the Upstream.
  circuitBreakers: obj({ maxConnections: num, maxPendingRequests: num, maxRequests: num, maxRetries: num }),
  discoveryMetadata: anyValue,
});

const healthy = obj({ interval: num, successes: int, httpStatuses: arr(int) });
const unhealthy = obj({ interval: num, httpFailures: int, tcpFailures: int, timeouts: int, httpStatuses: arr(int) });
const hashOn = obj({ input: str, header: str, cookie: str, cookiePath: str, queryArg: str, uriCapture: str });

const upstreamPolicy = obj({
  algorithm: str,
  slots: int,
  hashOn,
  hashOnFallback: hashOn,
  stickySessions: obj({ cookie: str, cookiePath: str }),
  healthchecks: obj({
    threshold: num,
    active: obj({
      type: str,
      httpPath: str,
      httpsSni: str,
      httpsVerifyCertificate: bool,
      timeout: num,
      concurrency: int,
      headers: map(arr(str)),
      healthy,
      unhealthy,
    }),
    passive: obj({ type: str, healthy, unhealthy }),
  }),
});

const gatewayClass = obj({ controllerName: str, description: str, parametersRef: anyValue }, ['controllerName']);

const gateway = obj(
  {
    gatewayClassName: str,
    listeners: arr(
      obj(
        {
          name: str,
          hostname: str,
          port: int,
          protocol: str,
          tls: anyValue,
          allowedRoutes: obj({
            namespaces: obj({ from: str, selector: anyValue }),
            kinds: arr(obj({ group: str, kind: str }, ['kind'])),
          }),
        },
        ['name', 'port', 'protocol'],
      ),
    ),
    addresses: arr(anyValue),
    infrastructure: anyValue,
  },
  ['gatewayClassName', 'listeners'],
);

const headerMatch = obj({ type: str, name: str, value: str }, ['name', 'value']);
const header = obj({ name: str, value: str }, ['name', 'value']);
const headerFilter = obj({ set: arr(header), add: arr(header), remove: arr(str) });
const pathModifier = obj({ type: str, replaceFullPath: str, replacePrefixMatch: str }, ['type']);
const filter = obj(
  {
    type: str,
    requestHeaderModifier: headerFilter,
    responseHeaderModifier: headerFilter,
    requestRedirect: obj({ scheme: str, hostname: str, path: pathModifier, port: int, statusCode: int }),
    urlRewrite: obj({ hostname: str, path: pathModifier }),
    requestMirror: anyValue,
    extensionRef: anyValue,
    cors: anyValue,
  },
  ['type'],
);

const httpRoute = obj({
  parentRefs: arr(obj({ group: str, kind: str, namespace: str, name: str, sectionName: str, port: int }, ['name'])),
  hostnames: arr(str),
  rules: arr(
    obj({
      name: str,
      matches: arr(obj({ path: obj({ type: str, value: str }), headers: arr(headerMatch), queryParams: arr(headerMatch), method: str })),
      filters: arr(filter),
      backendRefs: arr(obj({ group: str, kind: str, name: str, namespace: str, port: int, weight: int, filters: arr(filter) }, ['name'])),
      timeouts: obj({ request: str, backendRequest: str }),
      retry: anyValue,
      sessionPersistence: anyValue,
    }),
  ),
});

const referenceGrant = obj(
  {
    from: arr(obj({ group: str, kind: str, namespace: str }, ['group', 'kind', 'namespace'])),
    to: arr(obj({ group: str, kind: str, name: str }, ['group', 'kind'])),
  },
  ['from', 'to'],
);

const ingressBackend = obj({
  service: obj({ name: str, port: obj({ number: int, name: str }) }, ['name']),
  resource: anyValue,
});

const ingress = obj({
  ingressClassName: str,
  defaultBackend: ingressBackend,
  rules: arr(obj({ host: str, http: obj({ paths: arr(obj({ path: str, pathType: str, backend: ingressBackend }, ['pathType', 'backend'])) }, ['paths']) })),
  tls: arr(anyValue),
});

const service = obj(
  {
    ports: arr(obj({ name: str, port: int, targetPort: intOrString, protocol: str, appProtocol: str, nodePort: int }, ['port'])),
    selector: map(scalarStr),
    type: str,
    clusterIP: str,
  },
  [],
  true,
);

const endpointSlice = obj(
  {
    addressType: str,
    endpoints: arr(
      obj(
        {
          addresses: arr(str),
          conditions: obj({ ready: bool, serving: bool, terminating: bool }),
          hostname: str,
          nodeName: str,
          zone: str,
          targetRef: anyValue,
          hints: anyValue,
        },
        ['addresses'],
      ),
    ),
    ports: arr(obj({ name: str, port: int, protocol: str, appProtocol: str })),
  },
  ['addressType'],
);

export const SPEC_SHAPES: Readonly<Record<ResourceKind, Shape>> = {
  Upstream: upstream,
  KongUpstreamPolicy: upstreamPolicy,
  GatewayClass: gatewayClass,
  Gateway: gateway,
  HTTPRoute: httpRoute,
  ReferenceGrant: referenceGrant,
  Ingress: ingress,
  Service: service,
  EndpointSlice: endpointSlice,
};

export type { ObjectShape };
