/**
 * TranslationEngine: runs the units (units.ts) of each translation against state it keeps: diffs
 * the inputs with the last call's, updates the index, runs again only new or changed objects'
 * units and those whose reads changed, in unit order, then the final statuses. Emits exactly what
 * a translation from scratch gives (with `incremental` false it is one). Never does I/O; a unit
 * throwing leaves it unusable (TranslationCache then drops it).
 */
import type { Ir } from '../ir/types';
import type { KongUpstreamPolicy } from '../model/kong';
import type { AnyResource, InputResources } from '../model/resources';
import { BackendBook, InputIndex, StatusBook, nsName, type Ctx, type TranslateOptions } from './context';
import { translateEndpointSlice } from './endpoint-slice';
import { Report, type TranslationFailure } from './failures';
import { ServedGateways, setGatewayStatus, translateGateway, translateGatewayClass } from './gateway';
import { slotSource, translateHttpRoute } from './http-route';
import { translateIngress } from './ingress';
import { KindInputs, ObjectKeys, type KindChange } from './input-diff';
import { AttachmentBook } from './listeners';
import { translateReferenceGrant } from './reference-grant';
import { translateService } from './service';
import type { ResourceStatus } from './status';
import { translateUpstream } from './upstream';
import { KongPolicies } from './upstream-policy';
import { compareUnits, newUnit, Tracker, UnitQueue, type Undo, type Unit } from './units';

export interface TranslationResult {
  readonly ir: Ir;
  readonly failures: readonly TranslationFailure[];
  readonly statuses: readonly ResourceStatus[];
}

/** The kinds in the order their units run (the steps of a translation). */
const STEPS: readonly (keyof InputResources)[] = ['endpointSlices', 'services', 'referenceGrants', 'upstreamPolicies', 'upstreams', 'gatewayClasses', 'gateways', 'httpRoutes', 'ingresses'];

export class TranslationEngine {
  private readonly tracker: Tracker;
  private readonly ctx: Ctx;
  private readonly keys: ObjectKeys;
  private readonly kinds = new Map<keyof InputResources, KindInputs>();
  private readonly units = new Map<string, Unit>();
  private readonly dedupe = new Map<keyof InputResources, Unit>();
  private readonly final = newUnit(undefined, STEPS.length, '', '', false);
  private readonly queue = new UnitQueue();

  constructor(options: TranslateOptions, incremental: boolean) {
    this.tracker = new Tracker(incremental ? new Map() : undefined);
    this.keys = new ObjectKeys(incremental ? new WeakMap() : undefined);
    const tracker = this.tracker;
    const base = {
      index: new InputIndex(tracker),
      report: new Report(tracker),
      options,
      backends: new BackendBook(tracker),
      statuses: new StatusBook(tracker),
      served: new ServedGateways(tracker),
      attachments: new AttachmentBook(tracker),
      tracker,
    };
    this.ctx = { ...base, kong: new KongPolicies(base) };
    STEPS.forEach((field) => {
      this.kinds.set(field, new KindInputs(this.keys));
      this.dedupe.set(field, newUnit(undefined, -1, field, '', false));
    });
  }

  translate(inputs: InputResources): TranslationResult {
    const changes = STEPS.map((field) => (this.kinds.get(field) as KindInputs).update(inputs[field]));
    const changedDeps = new Set<string>();
    const gone = changes.flatMap((c) => [...c.removed.keys()].filter((k) => !c.added.has(k)).map((k) => this.units.get(k)));
    this.retire(gone.filter((u): u is Unit => u !== undefined), changedDeps);
    changes.forEach((change, step) => this.applyChange(STEPS[step] as keyof InputResources, step, change, changedDeps));
    for (const dep of changedDeps) this.dirtyReaders(dep, undefined);
    for (let unit = this.queue.take(); unit; unit = this.queue.take()) {
      const obj = unit.obj;
      if (obj) this.run(unit, () => translateUnit(obj, this.ctx));
    }
    this.finish();
    const { ctx } = this;
    const ir: Ir = { listeners: ctx.attachments.listeners(ctx.served.list(), ctx.options.listenerAddress), backends: ctx.backends.sorted() };
    return { ir, failures: ctx.report.list(), statuses: ctx.statuses.list() };
  }

  /** Units whose object is gone: out of the index, their reads forgotten, their writes undone. */
  private retire(gone: readonly Unit[], changedDeps: Set<string>): void {
    for (const unit of gone) {
      const obj = unit.obj as AnyResource;
      this.units.delete(this.keys.ref(obj));
      this.forgetReads(unit);
      this.ctx.index.update(unit, obj, undefined, changedDeps);
      unit.obj = undefined;
    }
    for (const unit of gone) {
      const before = unit.writes;
      this.undo(unit);
      this.propagate(unit, before, undefined);
    }
  }

  /** New and changed objects of one kind: into the index, their units queued; duplicates reported. */
  private applyChange(field: keyof InputResources, step: number, change: KindChange, changedDeps: Set<string>): void {
    for (const [key, after] of change.added) {
      const ns = after.metadata.namespace;
      const order = nsName(ns, after.metadata.name);
      let unit = this.units.get(key);
      if (unit && (unit.key !== order || unit.ns !== ns)) {
        this.retire([unit], changedDeps);
        unit = undefined;
      }
      if (unit) {
        this.ctx.index.update(unit, unit.obj, after, changedDeps);
        unit.obj = after;
      } else {
        this.units.set(key, (unit = newUnit(after, step, order, ns)));
        this.ctx.index.update(unit, undefined, after, changedDeps);
      }
      this.queue.add(unit);
    }
    if (change.duplicates) {
      const dups = change.duplicates;
      this.run(this.dedupe.get(field) as Unit, () => {
        for (const d of dups) this.ctx.report.error(d.dup, '', `duplicate ${d.key}; the definition${where(d.first)} is used`, 'Duplicate');
      });
    }
  }

  /** Runs a unit (again): its earlier writes undone, its reads and writes logged anew. */
  private run(unit: Unit, body: () => void): void {
    const before = unit.writes;
    this.forgetReads(unit);
    this.undo(unit);
    this.tracker.current = unit;
    try {
      body();
    } finally {
      this.tracker.current = undefined;
    }
    this.propagate(unit, before, unit.writes);
  }

  /** Statuses that depend on every unit: Gateways (attached routes) and KongUpstreamPolicies. */
  private finish(): void {
    const { ctx } = this;
    this.run(this.final, () => {
      for (const g of ctx.served.list()) setGatewayStatus(g, new Map(g.slots.map((s) => [s.index, ctx.attachments.attachedCount(slotSource(s))])), ctx);
      ctx.kong.setStatuses(ctx.index.policyUnits.items.map((u) => u.obj as KongUpstreamPolicy));
    });
  }

  private undo(unit: Unit): void {
    const undo = unit.undo;
    unit.undo = undefined;
    unit.writes = undefined;
    if (undo) for (let i = undo.length - 1; i >= 0; i--) (undo[i] as Undo).undo(unit);
  }

  private forgetReads(unit: Unit): void {
    const readers = this.tracker.readers;
    if (readers && unit.deps) {
      for (const dep of unit.deps) {
        const r = readers.get(dep);
        if (r === unit) readers.delete(dep);
        else if (r instanceof Set) {
          r.delete(unit);
          if (r.size === 1) readers.set(dep, r.values().next().value as Unit);
        }
      }
    }
    unit.deps = undefined;
  }

  /** Queues the later readers of every dependency key whose writes by `unit` changed. */
  private propagate(unit: Unit, before: readonly unknown[] | undefined, after: readonly unknown[] | undefined): void {
    if (!before && !after) return;
    const was = grouped(before);
    const now = grouped(after);
    for (const [dep, values] of was) if (!sameWrites(values, now.get(dep))) this.dirtyReaders(dep, unit);
    for (const dep of now.keys()) if (!was.has(dep)) this.dirtyReaders(dep, unit);
  }

  /**
   * Queues the readers of `dep` after `writer` in unit order (every reader when no writer); for
   * failures about an object, also the unit of that object (units do not log reads of their own).
   */
  private dirtyReaders(dep: string, writer: Unit | undefined): void {
    const later = (u: Unit): boolean => u !== writer && (writer === undefined || compareUnits(u, writer) > 0);
    const r = this.tracker.readers?.get(dep);
    if (r instanceof Set) {
      for (const reader of r) if (later(reader)) this.queue.add(reader);
    } else if (r && later(r)) this.queue.add(r);
    if (dep.startsWith('errors:')) {
      const owner = this.units.get(dep.slice('errors:'.length));
      if (owner && later(owner)) this.queue.add(owner);
    }
  }
}

/** Writes (key, value, key, value...) grouped by key. */
function grouped(writes: readonly unknown[] | undefined): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (!writes) return out;
  for (let i = 0; i < writes.length; i += 2) {
    const dep = writes[i] as string;
    const list = out.get(dep);
    if (list) list.push(writes[i + 1]);
    else out.set(dep, [writes[i + 1]]);
  }
  return out;
}

/** Same writes as far as readers can tell: failures by severity and path, anything else by identity. */
function sameWrites(a: readonly unknown[], b: readonly unknown[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x === y) return true;
    return isFailure(x) && isFailure(y) && x.severity === y.severity && x.path === y.path;
  });
}

function isFailure(x: unknown): x is TranslationFailure {
  return typeof x === 'object' && x !== null && 'severity' in x && 'path' in x && 'reason' in x;
}

function translateUnit(obj: AnyResource, ctx: Ctx): void {
  switch (obj.kind) {
    case 'EndpointSlice': return translateEndpointSlice(obj, ctx);
    case 'Service': return translateService(obj, ctx);
    case 'ReferenceGrant': return translateReferenceGrant(obj, ctx);
    case 'KongUpstreamPolicy': return ctx.kong.translate(obj);
    case 'Upstream': return translateUpstream(obj, ctx);
    case 'GatewayClass': return translateGatewayClass(obj, ctx);
    case 'Gateway': {
      const served = translateGateway(obj, ctx);
      if (served) ctx.served.add(served);
      return;
    }
    case 'HTTPRoute': return ctx.attachments.add(translateHttpRoute(obj, ctx));
    case 'Ingress': return ctx.attachments.add(translateIngress(obj, ctx));
  }
}

function where(o: AnyResource): string {
  return o.origin ? ` at ${o.origin.file}:${o.origin.line}` : ' seen first';
}
