/**
 * FakeApiStore: the stand-in API server's etcd. Owns every object by type/namespace/name, one
 * global resourceVersion counter, and the event history watches replay from (until compact()).
 * Receives creates, updates, merge patches and deletes; emits one WatchEvent per change to its
 * listeners. Enforces resourceVersion preconditions (409) the way the real API server does.
 * Test infrastructure only.
 */
import { apiVersionOf, type FakeResourceType } from './fake-api-types';

export type JsonObject = Record<string, unknown>;

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly rt: FakeResourceType;
  readonly namespace: string;
  readonly rv: number;
  readonly object: JsonObject;
}

/** An error answered as a Kubernetes Status object. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function meta(o: JsonObject): JsonObject {
  if (!isObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specPart(o: JsonObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

export class FakeApiStore {
  private readonly objects = new Map<string, JsonObject>();
  private history: WatchEvent[] = [];
  private rv = 1;
  private uid = 0;
  /** Watches from a resourceVersion older than this get 410 Gone. */
  private oldestRv = 1;
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  get resourceVersion(): number {
    return this.rv;
  }

  get compactedBefore(): number {
    return this.oldestRv;
  }

  onEvent(fn: (e: WatchEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  key(rt: FakeResourceType, namespace: string, name: string): string {
    return `${rt.group}/${rt.plural}/${rt.namespaced ? namespace : ''}/${name}`;
  }

  get(rt: FakeResourceType, namespace: string, name: string): JsonObject | undefined {
    const o = this.objects.get(this.key(rt, namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of a type (in one namespace, or all), sorted by namespace/name (etcd key order). */
  list(rt: FakeResourceType, namespace: string | undefined): JsonObject[] {
    const prefix = `${rt.group}/${rt.plural}/`;
    const out: [string, JsonObject][] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && rt.namespaced && (meta(o).namespace as string) !== namespace) continue;
      out.push([k, o]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, o]) => clone(o));
  }

  /** Events after `rv` for a type (and namespace); undefined when that history was compacted. */
  since(rv: number, rt: FakeResourceType, namespace: string | undefined): WatchEvent[] | undefined {
    if (rv < this.oldestRv - 1) return undefined;
    return this.history.filter((e) => e.rv > rv && e.rt === rt && (namespace === undefined || e.namespace === namespace));
  }

  /** Forgets the history: watches from any older resourceVersion now get 410 Gone. */
  compact(): void {
    this.history = [];
    this.oldestRv = this.rv + 1;
  }

  create(rt: FakeResourceType, namespace: string, body: JsonObject, now: string): JsonObject {
    const m = meta(body);
    const name = m.name;
    if (typeof name !== 'string' || name === '') throw new ApiStatusError(422, 'Invalid', 'metadata.name: Required value');
    const key = this.key(rt, namespace, name);
    if (this.objects.has(key)) throw new ApiStatusError(409, 'AlreadyExists', `${rt.plural}.${rt.group} "${name}" already exists`);
    const obj = clone(body);
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    const om = meta(obj);
    if (rt.namespaced) om.namespace = namespace;
    else delete om.namespace;
    om.uid = `uid-${++this.uid}`;
    om.creationTimestamp = now;
    om.generation = 1;
    delete om.deletionTimestamp;
    return this.commit('ADDED', rt, namespace, key, obj);
  }

  /** PUT: the whole object (status kept for types with a status subresource), or only the status. */
  update(rt: FakeResourceType, namespace: string, name: string, body: JsonObject, subresource: 'status' | undefined): JsonObject {
    const key = this.key(rt, namespace, name);
    const current = this.require(rt, key, name);
    this.checkPrecondition(rt, name, current, body);
    const next = subresource === 'status' ? { ...clone(current), status: clone(body.status) } : this.replaceMain(rt, current, body);
    return this.store(rt, namespace, key, current, next);
  }

  /** Merge patch of the object, or of its status subresource. */
  patch(rt: FakeResourceType, namespace: string, name: string, patch: JsonObject, subresource: 'status' | undefined): JsonObject {
    const key = this.key(rt, namespace, name);
    const current = this.require(rt, key, name);
    this.checkPrecondition(rt, name, current, patch);
    const patched = mergePatch(current, patch) as JsonObject;
    const next = subresource === 'status' ? { ...clone(current), status: patched.status } : this.replaceMain(rt, current, patched);
    return this.store(rt, namespace, key, current, next);
  }

  delete(rt: FakeResourceType, namespace: string, name: string): JsonObject {
    const key = this.key(rt, namespace, name);
    const current = this.require(rt, key, name);
    this.objects.delete(key);
    const gone = clone(current);
    meta(gone).resourceVersion = String(++this.rv);
    this.emit({ type: 'DELETED', rt, namespace: rt.namespaced ? namespace : '', rv: this.rv, object: gone });
    return clone(gone);
  }

  private replaceMain(rt: FakeResourceType, current: JsonObject, body: JsonObject): JsonObject {
    const next = clone(body);
    const keep = meta(current);
    const m = meta(next);
    for (const f of ['uid', 'creationTimestamp', 'generation', 'namespace', 'name']) m[f] = keep[f];
    if (keep.namespace === undefined) delete m.namespace;
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    if (rt.statusSubresource) {
      if (current.status === undefined) delete next.status;
      else next.status = clone(current.status);
    }
    if (specPart(next) !== specPart(current)) m.generation = (keep.generation as number) + 1;
    return next;
  }

  private store(rt: FakeResourceType, namespace: string, key: string, current: JsonObject, next: JsonObject): JsonObject {
    meta(next).resourceVersion = meta(current).resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(current)) return clone(current); // a no-op write is not an event
    return this.commit('MODIFIED', rt, namespace, key, next);
  }

  private commit(type: 'ADDED' | 'MODIFIED', rt: FakeResourceType, namespace: string, key: string, obj: JsonObject): JsonObject {
    meta(obj).resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.emit({ type, rt, namespace: rt.namespaced ? namespace : '', rv: this.rv, object: clone(obj) });
    return clone(obj);
  }

  private emit(e: WatchEvent): void {
    this.history.push(e);
    for (const fn of [...this.listeners]) fn(e);
  }

  private require(rt: FakeResourceType, key: string, name: string): JsonObject {
    const o = this.objects.get(key);
    if (!o) throw new ApiStatusError(404, 'NotFound', `${rt.plural}.${rt.group} "${name}" not found`);
    return o;
  }

  private checkPrecondition(rt: FakeResourceType, name: string, current: JsonObject, body: JsonObject): void {
    const wanted = isObject(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (wanted === undefined || wanted === '' || wanted === meta(current).resourceVersion) return;
    throw new ApiStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${rt.plural}.${rt.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
  }
}
