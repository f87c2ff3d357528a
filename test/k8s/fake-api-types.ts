/**
 * The resource types the stand-in API server serves: group, version, plural, scope, whether the
 * type is built into Kubernetes (list items then carry no apiVersion/kind, as a real server's do)
 * and whether it has a status subresource. Test infrastructure only.
 */

export interface FakeResourceType {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Built into Kubernetes (always installed); otherwise served by a CRD that may be missing. */
  readonly builtin: boolean;
  readonly statusSubresource: boolean;
}

export const FAKE_RESOURCE_TYPES: readonly FakeResourceType[] = [
  { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, builtin: true, statusSubresource: true },
  { kind: 'Event', group: '', version: 'v1', plural: 'events', namespaced: true, builtin: true, statusSubresource: false },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true, builtin: true, statusSubresource: false },
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', namespaced: true, builtin: true, statusSubresource: true },
  { kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, builtin: true, statusSubresource: false },
  { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', namespaced: false, builtin: false, statusSubresource: true },
  { kind: 'Gateway', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways', namespaced: true, builtin: false, statusSubresource: true },
  { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespaced: true, builtin: false, statusSubresource: true },
  { kind: 'ReferenceGrant', group: 'gateway.networking.k8s.io', version: 'v1beta1', plural: 'referencegrants', namespaced: true, builtin: false, statusSubresource: false },
  { kind: 'Upstream', group: 'gloo.solo.io', version: 'v1', plural: 'upstreams', namespaced: true, builtin: false, statusSubresource: true },
  { kind: 'KongUpstreamPolicy', group: 'configuration.konghq.com', version: 'v1beta1', plural: 'kongupstreampolicies', namespaced: true, builtin: false, statusSubresource: true },
];

export function apiVersionOf(t: FakeResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

export function typeOfKind(kind: string): FakeResourceType {
  const t = FAKE_RESOURCE_TYPES.find((x) => x.kind === kind);
  if (!t) throw new Error(`the stand-in API server does not serve kind ${kind}`);
  return t;
}

export function typeOfPath(group: string, version: string, plural: string): FakeResourceType | undefined {
  return FAKE_RESOURCE_TYPES.find((x) => x.group === group && x.version === version && x.plural === plural);
}
