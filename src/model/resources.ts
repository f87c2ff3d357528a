/**
 * InputResources: the one input bundle of the pure translator, the golden-test input format and
 * what every source (folder, Kubernetes) fills. Each supported kind is listed once in KINDS with
 * its apiVersion(s) and scope; nothing here has behaviour beyond grouping.
 */
import type { EndpointSlice, Ingress, Service } from './kube';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from './gateway-api';
import type { KongUpstreamPolicy } from './kong';
import type { Upstream } from './gloo';

export type AnyResource =
  | Upstream
  | GatewayClass
  | Gateway
  | HTTPRoute
  | ReferenceGrant
  | KongUpstreamPolicy
  | Ingress
  | Service
  | EndpointSlice;

export type ResourceKind = AnyResource['kind'];

export interface KindInfo {
  readonly kind: ResourceKind;
  /** Accepted apiVersions, preferred first. */
  readonly apiVersions: readonly string[];
  readonly namespaced: boolean;
  /** InputResources field holding objects of this kind. */
  readonly field: keyof InputResources;
}

export const KINDS: readonly KindInfo[] = [
  { kind: 'Upstream', apiVersions: ['gloo.solo.io/v1'], namespaced: true, field: 'upstreams' },
  { kind: 'GatewayClass', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: false, field: 'gatewayClasses' },
  { kind: 'Gateway', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: true, field: 'gateways' },
  { kind: 'HTTPRoute', apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'], namespaced: true, field: 'httpRoutes' },
  { kind: 'ReferenceGrant', apiVersions: ['gateway.networking.k8s.io/v1beta1', 'gateway.networking.k8s.io/v1'], namespaced: true, field: 'referenceGrants' },
  { kind: 'KongUpstreamPolicy', apiVersions: ['configuration.konghq.com/v1beta1'], namespaced: true, field: 'upstreamPolicies' },
  { kind: 'Ingress', apiVersions: ['networking.k8s.io/v1'], namespaced: true, field: 'ingresses' },
  { kind: 'Service', apiVersions: ['v1'], namespaced: true, field: 'services' },
  { kind: 'EndpointSlice', apiVersions: ['discovery.k8s.io/v1'], namespaced: true, field: 'endpointSlices' },
];

export interface InputResources {
  readonly upstreams: readonly Upstream[];
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  readonly upstreamPolicies: readonly KongUpstreamPolicy[];
  readonly ingresses: readonly Ingress[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
}

export const EMPTY_INPUTS: InputResources = {
  upstreams: [],
  gatewayClasses: [],
  gateways: [],
  httpRoutes: [],
  referenceGrants: [],
  upstreamPolicies: [],
  ingresses: [],
  services: [],
  endpointSlices: [],
};

const FIELD_OF: ReadonlyMap<string, keyof InputResources> = new Map(KINDS.map((k) => [k.kind, k.field]));

/** The InputResources field holding objects of a kind (undefined for kinds healthplane does not read). */
export function fieldOf(kind: string): keyof InputResources | undefined {
  return FIELD_OF.get(kind);
}

/** Groups objects of any kind into an InputResources bundle, keeping their order. */
export function toInputResources(objects: readonly AnyResource[]): InputResources {
  const out: Record<keyof InputResources, AnyResource[]> = {
    upstreams: [], gatewayClasses: [], gateways: [], httpRoutes: [], referenceGrants: [],
    upstreamPolicies: [], ingresses: [], services: [], endpointSlices: [],
  };
  for (const o of objects) {
    const field = FIELD_OF.get(o.kind);
    if (field) out[field].push(o);
  }
  return out as unknown as InputResources;
}
