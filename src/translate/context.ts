/**
 * The read-only view of one translation's inputs (deduplicated, indexed by namespace/name) plus
 * the sinks every step writes to (Report, BackendBook, statuses). Built once per translateInputs().
 */
import type { EndpointSlice, Service } from '../model/kube';
import { SERVICE_NAME_LABEL } from '../model/kube';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from '../model/gateway-api';
import type { KongUpstreamPolicy } from '../model/kong';
import type { Upstream } from '../model/gloo';
import type { AnyResource, InputResources } from '../model/resources';
import type { Ingress } from '../model/kube';
import type { Backend } from '../ir/types';
import { refKey } from '../model/keys';
import { Report, refOf } from './failures';
import type { ResourceStatus } from './status';
import type { KongPolicies } from './upstream-policy';

export interface TranslateOptions {
  /** Serve only Gateways of this GatewayClass (`--gateway-class`); every class when absent. */
  readonly gatewayClass?: string;
  /** controllerName written into Gateway API statuses. */
  readonly controllerName: string;
  /** Address Envoy listeners bind to. */
  readonly listenerAddress: string;
  /** Ingress class served (Kong's Ingress semantics). */
  readonly ingressClass: string;
  /** Port of the listener that serves Ingresses (Kong's proxy port). */
  readonly ingressPort: number;
}

export const DEFAULT_OPTIONS: TranslateOptions = {
  controllerName: 'healthplane.dev/gateway-controller',
  listenerAddress: '0.0.0.0',
  ingressClass: 'kong',
  ingressPort: 8000,
};

/** Deduplicated inputs, sorted by namespace/name so that file order never changes the output. */
export interface Inputs {
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

export function nsName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class InputIndex {
  readonly services: ReadonlyMap<string, Service>;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly policies: ReadonlyMap<string, KongUpstreamPolicy>;
  readonly gateways: ReadonlyMap<string, Gateway>;
  readonly classes: ReadonlyMap<string, GatewayClass>;
  readonly slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>;

  constructor(readonly inputs: Inputs) {
    this.services = byNsName(inputs.services);
    this.upstreams = byNsName(inputs.upstreams);
    this.policies = byNsName(inputs.upstreamPolicies);
    this.gateways = byNsName(inputs.gateways);
    this.classes = new Map(inputs.gatewayClasses.map((c) => [c.metadata.name, c]));
    const slices = new Map<string, EndpointSlice[]>();
    for (const s of inputs.endpointSlices) {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc) continue;
      const key = nsName(s.metadata.namespace, svc);
      slices.set(key, [...(slices.get(key) ?? []), s]);
    }
    this.slicesByService = slices;
  }
}

function byNsName<T extends AnyResource>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((o) => [nsName(o.metadata.namespace, o.metadata.name), o]));
}

/** Backends by name; the first definition of a name wins. */
export class BackendBook {
  private readonly byName = new Map<string, Backend>();

  has(name: string): boolean {
    return this.byName.has(name);
  }

  add(backend: Backend): void {
    if (!this.byName.has(backend.name)) this.byName.set(backend.name, backend);
  }

  get(name: string): Backend | undefined {
    return this.byName.get(name);
  }

  sorted(): Backend[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Statuses by object key; later writes for the same object replace earlier ones. */
export class StatusBook {
  private readonly byKey = new Map<string, ResourceStatus>();

  set(status: ResourceStatus): void {
    this.byKey.set(refKey(status.ref), status);
  }

  get(obj: AnyResource): ResourceStatus | undefined {
    return this.byKey.get(refKey(refOf(obj)));
  }

  list(): ResourceStatus[] {
    return [...this.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }
}

export interface Ctx {
  readonly index: InputIndex;
  readonly report: Report;
  readonly options: TranslateOptions;
  readonly backends: BackendBook;
  readonly statuses: StatusBook;
  readonly kong: KongPolicies;
}

/** Removes repeated kind/namespace/name (first one wins, the others are errors) and sorts by namespace/name. */
export function dedupeInputs(inputs: InputResources, report: Report): Inputs {
  const pick = <T extends AnyResource>(list: readonly T[]): T[] => {
    const seen = new Map<string, T>();
    for (const o of list) {
      const key = refKey(refOf(o));
      const first = seen.get(key);
      if (first) report.error(o, '', `duplicate ${key}; the definition${where(first)} is used`, 'Duplicate');
      else seen.set(key, o);
    }
    return [...seen.values()].sort((a, b) => cmpKey(a, b));
  };
  return {
    upstreams: pick(inputs.upstreams),
    gatewayClasses: pick(inputs.gatewayClasses),
    gateways: pick(inputs.gateways),
    httpRoutes: pick(inputs.httpRoutes),
    referenceGrants: pick(inputs.referenceGrants),
    upstreamPolicies: pick(inputs.upstreamPolicies),
    ingresses: pick(inputs.ingresses),
    services: pick(inputs.services),
    endpointSlices: pick(inputs.endpointSlices),
  };
}

function where(o: AnyResource): string {
  return o.origin ? ` at ${o.origin.file}:${o.origin.line}` : ' seen first';
}

function cmpKey(a: AnyResource, b: AnyResource): number {
  const ka = nsName(a.metadata.namespace, a.metadata.name);
  const kb = nsName(b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
