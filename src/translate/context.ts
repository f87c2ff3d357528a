/**
 * The state one translation runs against: the inputs indexed by namespace/name (InputIndex) and
 * the sinks every unit writes to (Report, BackendBook, StatusBook, KongPolicies, ServedGateways,
 * AttachmentBook). With a TranslationCache they live from one translation to the next and are
 * updated in place (units.ts): every lookup is a read the running unit depends on, every write is
 * remembered with the unit that made it, and a unit only sees what the units before it wrote.
 */
import type { EndpointSlice, Service } from '../model/kube';
import { SERVICE_NAME_LABEL } from '../model/kube';
import type { Gateway, GatewayClass, ReferenceGrant } from '../model/gateway-api';
import type { KongUpstreamPolicy } from '../model/kong';
import type { Upstream } from '../model/gloo';
import type { AnyResource } from '../model/resources';
import type { Backend } from '../ir/types';
import { refKey } from '../model/keys';
import type { Report } from './failures';
import type { ResourceStatus } from './status';
import type { KongPolicies } from './upstream-policy';
import type { ServedGateways } from './gateway';
import type { AttachmentBook } from './listeners';
import { FlatList } from './flat-list';
import { UnitGroup } from './unit-group';
import { cmp, SortedList, Writers, type Tracker, type Unit } from './units';
import { policyNameOf } from './service';

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

export function nsName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

const NONE: readonly never[] = Object.freeze([]);

/** The deduplicated inputs by namespace/name (later in namespace/name order wins, as a Map built in that order would). */
export class InputIndex {
  private readonly services = new Map<string, Writers<Service>>();
  private readonly upstreams = new Map<string, Writers<Upstream>>();
  private readonly policies = new Map<string, Writers<KongUpstreamPolicy>>();
  private readonly gateways = new Map<string, Writers<Gateway>>();
  private readonly classes = new Map<string, Writers<GatewayClass>>();
  private readonly slices = new Map<string, Writers<EndpointSlice>>();
  private readonly grants = new Map<string, Writers<ReferenceGrant>>();
  /** Services by namespace and the KongUpstreamPolicy name they carry. */
  private readonly policyUsers = new Map<string, Writers<Service>>();
  /** Every policy's unit, in unit order (for the policies' statuses). */
  readonly policyUnits = new SortedList<Unit>((a, b) => (a === b ? 0 : cmpUnitKeys(a, b)));

  constructor(private readonly tracker: Tracker) {}

  service(namespace: string, name: string): Service | undefined {
    const key = nsName(namespace, name);
    this.track('svc', key);
    return this.services.get(key)?.last();
  }

  hasUpstream(namespace: string, name: string): boolean {
    const key = nsName(namespace, name);
    this.track('up?', key);
    return this.upstreams.has(key);
  }

  policy(namespace: string, name: string): KongUpstreamPolicy | undefined {
    const key = nsName(namespace, name);
    this.track('pol', key);
    return this.policies.get(key)?.last();
  }

  hasPolicy(namespace: string, name: string): boolean {
    const key = nsName(namespace, name);
    this.track('pol?', key);
    return this.policies.has(key);
  }

  hasGateway(key: string): boolean {
    this.track('gw?', key);
    return this.gateways.has(key);
  }

  hasClass(name: string): boolean {
    this.track('class?', name);
    return this.classes.has(name);
  }

  /** EndpointSlices labelled with this Service's name, in namespace/name order. */
  slicesOf(namespace: string, service: string): readonly EndpointSlice[] {
    const key = nsName(namespace, service);
    this.track('slices', key);
    return this.slices.get(key)?.visible() ?? NONE;
  }

  /** ReferenceGrants in a namespace, in name order. */
  grantsIn(namespace: string): readonly ReferenceGrant[] {
    this.track('grants', namespace);
    return this.grants.get(namespace)?.visible() ?? NONE;
  }

  /** Services of a namespace that name this policy, in name order (not a tracked read). */
  policyUsersOf(namespace: string, policy: string): readonly Service[] {
    return this.policyUsers.get(JSON.stringify([namespace, policy]))?.visible() ?? NONE;
  }

  private track(kind: string, key: string): void {
    if (this.tracker.tracking) this.tracker.read(`${kind}:${key}`);
  }

  /** The current value behind a dependency key. */
  private probe(dep: string): unknown {
    const colon = dep.indexOf(':');
    const key = dep.slice(colon + 1);
    switch (dep.slice(0, colon)) {
      case 'svc': return this.services.get(key)?.last();
      case 'up?': return (this.upstreams.get(key)?.size ?? 0) > 0;
      case 'pol': return this.policies.get(key)?.last();
      case 'pol?': return (this.policies.get(key)?.size ?? 0) > 0;
      case 'gw?': return (this.gateways.get(key)?.size ?? 0) > 0;
      case 'class?': return (this.classes.get(key)?.size ?? 0) > 0;
      case 'slices': return this.slices.get(key)?.visible() ?? NONE;
      case 'grants': return this.grants.get(key)?.visible() ?? NONE;
      default: return undefined;
    }
  }

  /**
   * Replaces the object of a unit (`before` or `after` may be absent: added or removed) and
   * adds to `changed` the dependency keys whose value is not the same any more.
   */
  update(unit: Unit, before: AnyResource | undefined, after: AnyResource | undefined, changed: Set<string>): void {
    if (!this.tracker.tracking) {
      if (before) this.apply(unit, before, false);
      if (after) this.apply(unit, after, true);
      return;
    }
    const deps = [...(before ? this.depsOf(before) : []), ...(after ? this.depsOf(after) : [])];
    const was = deps.map((d) => this.probe(d));
    if (before) this.apply(unit, before, false);
    if (after) this.apply(unit, after, true);
    deps.forEach((d, i) => {
      const now = this.probe(d);
      const old = was[i];
      const same = Array.isArray(now) && Array.isArray(old) ? sameItems(now, old) : now === old;
      if (!same) changed.add(d);
    });
  }

  private depsOf(o: AnyResource): string[] {
    const key = nsName(o.metadata.namespace, o.metadata.name);
    switch (o.kind) {
      case 'Service': return [`svc:${key}`];
      case 'Upstream': return [`up?:${key}`];
      case 'KongUpstreamPolicy': return [`pol:${key}`, `pol?:${key}`];
      case 'Gateway': return [`gw?:${key}`];
      case 'GatewayClass': return [`class?:${o.metadata.name}`];
      case 'EndpointSlice': {
        const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
        return svc ? [`slices:${nsName(o.metadata.namespace, svc)}`] : [];
      }
      case 'ReferenceGrant': return [`grants:${o.metadata.namespace}`];
      default: return [];
    }
  }

  private apply(unit: Unit, o: AnyResource, add: boolean): void {
    const key = nsName(o.metadata.namespace, o.metadata.name);
    switch (o.kind) {
      case 'Service': {
        edit(this.services, key, unit, o, add);
        const policy = policyNameOf(o);
        if (policy !== undefined) edit(this.policyUsers, JSON.stringify([o.metadata.namespace, policy]), unit, o, add);
        return;
      }
      case 'Upstream': return edit(this.upstreams, key, unit, o, add);
      case 'KongUpstreamPolicy':
        if (add) this.policyUnits.insert(unit);
        else this.policyUnits.remove(unit);
        return edit(this.policies, key, unit, o, add);
      case 'Gateway': return edit(this.gateways, key, unit, o, add);
      case 'GatewayClass': return edit(this.classes, o.metadata.name, unit, o, add);
      case 'EndpointSlice': {
        const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
        if (svc) edit(this.slices, nsName(o.metadata.namespace, svc), unit, o, add);
        return;
      }
      case 'ReferenceGrant': return edit(this.grants, o.metadata.namespace, unit, o, add);
      default: return;
    }
  }
}

function cmpUnitKeys(a: Unit, b: Unit): number {
  return cmp(a.key, b.key) || cmp(a.ns, b.ns);
}

function edit<T>(map: Map<string, Writers<T>>, key: string, unit: Unit, value: T, add: boolean): void {
  let w = map.get(key);
  if (add) {
    if (!w) map.set(key, (w = new Writers<T>()));
    w.put(unit, value);
  } else if (w) {
    w.remove(unit);
    if (w.size === 0) map.delete(key);
  }
}

/** Same length and the same items (by identity) in the same order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The backends defined under one name (`id`), per unit (the first in unit order wins). */
type BackendEntry = UnitGroup<string, Backend>;

/** Backends by name; the first definition of a name (in unit order) wins. */
export class BackendBook {
  private readonly byName = new Map<string, BackendEntry>();
  private readonly entries = new SortedList<BackendEntry>((a, b) => cmp(a.id, b.id));
  private readonly output = new FlatList<BackendEntry, Backend>((e) => [e.writers.at(0)]);
  /** Entries whose last writer went (removed at the next sorted(), unless written again). */
  private readonly emptied = new Set<BackendEntry>();

  constructor(private readonly tracker: Tracker) {}

  has(name: string): boolean {
    if (this.tracker.tracking) this.tracker.read(`backend:${name}`);
    return this.byName.get(name)?.writers.first(this.tracker.current) !== undefined;
  }

  add(backend: Backend): void {
    const unit = this.tracker.writer();
    let entry = this.byName.get(backend.name);
    if (entry?.writers.own(unit)) return;
    if (!entry) {
      entry = new UnitGroup<string, Backend>(backend.name, this);
      this.byName.set(backend.name, entry);
      this.entries.insert(entry);
      this.output.restructure();
    }
    entry.writers.put(unit, backend);
    this.output.touch(entry);
    if (this.tracker.tracking) this.tracker.wrote(`backend:${backend.name}`, true);
    this.tracker.undoable(entry);
  }

  /** A unit's backend was taken back (UnitGroup.undo). */
  changed(entry: BackendEntry): void {
    this.output.touch(entry);
    if (entry.writers.size === 0) this.emptied.add(entry);
  }

  /** Sorted by name. */
  sorted(): readonly Backend[] {
    for (const e of this.emptied) {
      if (e.writers.size > 0) continue;
      this.byName.delete(e.id);
      this.entries.remove(e);
      this.output.restructure();
    }
    this.emptied.clear();
    return this.output.list(this.entries.items);
  }
}

/** The statuses written for one object (`id`: its key), per unit (the last in unit order wins). */
type StatusEntry = UnitGroup<string, ResourceStatus>;

/** Statuses by object key; later writes (in unit order) for the same object replace earlier ones. */
export class StatusBook {
  private readonly entries = new SortedList<StatusEntry>((a, b) => cmp(a.id, b.id));
  private readonly byKey = new Map<string, StatusEntry>();
  private readonly output = new FlatList<StatusEntry, ResourceStatus>((e) => [e.writers.at(e.writers.size - 1)]);
  private readonly emptied = new Set<StatusEntry>();

  constructor(private readonly tracker: Tracker) {}

  set(status: ResourceStatus): void {
    const unit = this.tracker.writer();
    const key = refKey(status.ref);
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = new UnitGroup<string, ResourceStatus>(key, this);
      this.byKey.set(key, entry);
      this.entries.insert(entry);
      this.output.restructure();
    }
    const known = entry.writers.own(unit) !== undefined;
    entry.writers.put(unit, status);
    this.output.touch(entry);
    if (!known) this.tracker.undoable(entry);
  }

  /** A unit's status was taken back (UnitGroup.undo). */
  changed(entry: StatusEntry): void {
    this.output.touch(entry);
    if (entry.writers.size === 0) this.emptied.add(entry);
  }

  /** Sorted by object key. */
  list(): readonly ResourceStatus[] {
    for (const e of this.emptied) {
      if (e.writers.size > 0) continue;
      this.byKey.delete(e.id);
      this.entries.remove(e);
      this.output.restructure();
    }
    this.emptied.clear();
    return this.output.list(this.entries.items);
  }
}

export interface Ctx {
  readonly index: InputIndex;
  readonly report: Report;
  readonly options: TranslateOptions;
  readonly backends: BackendBook;
  readonly statuses: StatusBook;
  readonly kong: KongPolicies;
  readonly served: ServedGateways;
  readonly attachments: AttachmentBook;
  readonly tracker: Tracker;
}
