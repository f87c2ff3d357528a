/**
 * The Kubernetes kinds healthplane watches and where they live on the API server: group,
 * version, plural and scope, and the request paths built from them. One entry per kind of
 * model/resources.ts KINDS (the version watched is one KINDS accepts). Paths only; no I/O.
 */
import { KINDS, type ResourceKind } from '../../model/resources';

export interface WatchedKind {
  readonly kind: ResourceKind;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Served by a CRD the cluster may lack (Gateway API, Gloo, Kong); built-in kinds are always there. */
  readonly crd: boolean;
}

function watched(kind: ResourceKind, group: string, version: string, plural: string, crd: boolean): WatchedKind {
  const info = KINDS.find((k) => k.kind === kind);
  const apiVersion = group === '' ? version : `${group}/${version}`;
  if (!info || !info.apiVersions.includes(apiVersion)) throw new Error(`${kind} ${apiVersion} is not a version the model accepts`);
  return { kind, group, version, plural, namespaced: info.namespaced, crd };
}

/** Every watched kind, leaves first (the order informers start in). */
export const WATCHED_KINDS: readonly WatchedKind[] = [
  watched('Service', '', 'v1', 'services', false),
  watched('EndpointSlice', 'discovery.k8s.io', 'v1', 'endpointslices', false),
  watched('Ingress', 'networking.k8s.io', 'v1', 'ingresses', false),
  watched('ReferenceGrant', 'gateway.networking.k8s.io', 'v1beta1', 'referencegrants', true),
  watched('GatewayClass', 'gateway.networking.k8s.io', 'v1', 'gatewayclasses', true),
  watched('Gateway', 'gateway.networking.k8s.io', 'v1', 'gateways', true),
  watched('HTTPRoute', 'gateway.networking.k8s.io', 'v1', 'httproutes', true),
  watched('Upstream', 'gloo.solo.io', 'v1', 'upstreams', true),
  watched('KongUpstreamPolicy', 'configuration.konghq.com', 'v1beta1', 'kongupstreampolicies', true),
];

export function apiVersionOf(k: { readonly group: string; readonly version: string }): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

export function watchedKind(kind: string): WatchedKind | undefined {
  return WATCHED_KINDS.find((k) => k.kind === kind);
}

/** Where a resource type lives on the API server. */
export interface ApiResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

function prefix(k: { readonly group: string; readonly version: string }): string {
  return k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
}

/** The list/watch path: one namespace, or every namespace (and always cluster-wide for cluster-scoped kinds). */
export function collectionPath(k: ApiResource, namespace: string | undefined): string {
  const ns = k.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix(k)}${ns}/${k.plural}`;
}

/** The path of one object, or of its status subresource. */
export function objectPath(
  k: ApiResource,
  namespace: string,
  name: string,
  subresource?: 'status',
): string {
  const ns = k.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix(k)}${ns}/${k.plural}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

/** coordination.k8s.io/v1 Lease, for leader election. */
export const LEASE_KIND = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true } as const;

/** core/v1 Event, for warnings that have no room in a resource's status. */
export const EVENT_KIND = { group: '', version: 'v1', plural: 'events', namespaced: true } as const;
