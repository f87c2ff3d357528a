/**
 * KubernetesSource (`serve --kubernetes`): the informers' objects -> the ResourceStore. Owns the
 * informers (one per kind, per namespace when namespaces are given) and the decoded form of every
 * object they hold. Receives adds, updates and deletes; emits whole bundles (store.replace) of the
 * relevant objects, coalesced per burst, once the first lists are in. A status-only change, or a
 * change to a Service/EndpointSlice nothing refers to, publishes nothing. Never translates and
 * never writes to the API server.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, Random } from '../../clock';
import type { Logger } from '../../log';
import { decodeObject } from '../../model/decode';
import { UPSTREAM_POLICY_ANNOTATION } from '../../model/kong';
import { refKey } from '../../model/keys';
import type { Problem } from '../../model/problems';
import type { AnyResource } from '../../model/resources';
import type { ResourceSource } from '../source';
import { deepEqual, type ResourceStore } from '../store';
import type { Json, KubeApi } from './api-client';
import { KindInformer, type InformerListener, type InformerTiming } from './informers';
import { WATCHED_KINDS, type WatchedKind } from './kinds';
import { isRelevant, relevantServices, sliceService } from './relevance';

export interface KubernetesSourceOptions {
  readonly config: KubeConfig;
  readonly api: KubeApi;
  /** Namespaces to watch; empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly timing?: InformerTiming;
  /** start() resolves after this long even when some kinds could not be listed yet (default 60 s). */
  readonly syncTimeoutMs?: number;
  readonly kinds?: readonly WatchedKind[];
}

interface Entry {
  readonly kind: WatchedKind;
  readonly resource: AnyResource | undefined;
  readonly problems: readonly Problem[];
}

export type LiveListener = (kind: WatchedKind, object: Json, deleted: boolean) => void;

export interface SourceReadiness {
  /** Every kind was listed once (or is known to be missing). */
  readonly synced: boolean;
  /** Kinds not listed yet, missing CRDs, failing watches: one line each. */
  readonly notes: readonly string[];
}

export class KubernetesSource implements ResourceSource {
  readonly id = 'kubernetes';
  private readonly informers: KindInformer[];
  private readonly entries = new Map<string, Entry>();
  private order: string[] | undefined;
  private services = new Set<string>();
  private published = new Set<string>();
  private readonly everSynced = new Set<KindInformer>();
  private readonly liveListeners = new Set<LiveListener>();
  private readonly stateListeners = new Set<() => void>();
  private store: ResourceStore | undefined;
  private publishing = false;
  private scheduled = false;
  private publishes = 0;
  /**
   * Changes since the last publish that leave the bundle's shape alone (same keys, same relevance,
   * no problems): patched into the last bundle instead of rebuilding it. undefined: rebuild.
   */
  private patches: Map<string, AnyResource> | undefined;
  private last: { readonly objects: readonly AnyResource[]; readonly problems: readonly Problem[]; readonly index: ReadonlyMap<string, number> } | undefined;
  /** Ends start()'s wait for the first lists when stop() comes first. */
  private abortStart: () => void = () => undefined;

  constructor(private readonly options: KubernetesSourceOptions) {
    const listener: InformerListener = {
      upsert: (kind, object) => this.onObject(kind, object, false),
      remove: (kind, object) => this.onObject(kind, object, true),
      state: (informer) => this.onState(informer),
    };
    const namespaces = options.namespaces.length > 0 ? options.namespaces : [undefined];
    this.informers = (options.kinds ?? WATCHED_KINDS).flatMap((kind) =>
      (kind.namespaced ? namespaces : [undefined]).map(
        (namespace) => new KindInformer({ ...options.timing, kind, namespace, config: options.config, api: options.api, clock: options.clock, random: options.random, logger: options.logger, listener }),
      ),
    );
  }

  async start(store: ResourceStore): Promise<void> {
    this.store = store;
    for (const informer of this.informers) informer.start();
    const { clock, logger } = this.options;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(true), this.options.syncTimeoutMs ?? 60_000)));
    const settled = Promise.all(this.informers.map((i) => i.whenSettled())).then(() => false);
    const stopped = new Promise<'stopped'>((resolve) => (this.abortStart = () => resolve('stopped')));
    const outcome = await Promise.race([settled, timedOut, stopped]);
    clock.clearTimeout(timer);
    if (outcome === 'stopped') return;
    if (outcome) logger.warn('serving before every kind could be listed', { notes: this.readiness().notes });
    this.publishing = true;
    this.publish();
  }

  /** Stops the informers; a start() still waiting for the first lists returns without publishing. */
  async stop(): Promise<void> {
    this.publishing = false;
    this.abortStart();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** The object as the API server last sent it (status and resourceVersion included). */
  live(kind: string, namespace: string, name: string): Json | undefined {
    for (const i of this.informers) {
      if (i.kind.kind !== kind || (i.namespace !== undefined && i.kind.namespaced && i.namespace !== namespace)) continue;
      const o = i.get(namespace, name);
      if (o) return o;
    }
    return undefined;
  }

  /** Calls `fn` on every add, update and delete the informers see (status-only changes included). */
  onLive(fn: LiveListener): () => void {
    this.liveListeners.add(fn);
    return () => this.liveListeners.delete(fn);
  }

  /** Calls `fn` whenever an informer changes state (synced, missing, failing). */
  onInformerState(fn: () => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  readiness(): SourceReadiness {
    const notes: string[] = [];
    let synced = true;
    for (const i of this.informers) {
      if (i.state === 'missing') notes.push(`${i.label}: ${i.lastError ?? 'not served'}; not watched`);
      else if (!this.everSynced.has(i)) {
        synced = false;
        notes.push(`${i.label}: not listed yet${i.lastError ? ` (${i.lastError})` : ''}`);
      } else if (i.state === 'failing') notes.push(`${i.label}: watch failing (${i.lastError ?? 'unknown error'}); last objects seen stay served`);
    }
    return { synced, notes };
  }

  /** Informer counters (lists, relists, watches) by label, for tests and benchmarks. */
  stats(): Record<string, { readonly lists: number; readonly watches: number; readonly relists: number; readonly state: string }> {
    return Object.fromEntries(this.informers.map((i) => [i.label, { ...i.stats, state: i.state }]));
  }

  /** How many bundles were handed to the store. */
  get publishCount(): number {
    return this.publishes;
  }

  private onObject(kind: WatchedKind, object: Json, deleted: boolean): void {
    for (const fn of this.liveListeners) fn(kind, object, deleted);
    const meta = (object.metadata ?? {}) as { namespace?: string; name?: string };
    const key = refKey({ kind: kind.kind, namespace: kind.namespaced ? meta.namespace || 'default' : '', name: meta.name ?? '' });
    const before = this.entries.get(key);
    let after: Entry | undefined;
    if (deleted) {
      if (!before) return;
      this.entries.delete(key);
      this.order = undefined;
    } else {
      const decoded = decodeObject(object);
      if (before && deepEqual(before.resource, decoded.resource) && deepEqual(before.problems, decoded.problems)) return; // status or metadata only
      after = { kind, resource: decoded.resource, problems: decoded.problems };
      this.entries.set(key, after);
      if (!before) this.order = undefined;
    }
    this.notePatch(key, before, after);
    if (this.matters(key, before, after)) this.schedule();
  }

  /** Remembers a change the last bundle can take as it is (an EndpointSlice's endpoints, say); anything else forces a rebuild. */
  private notePatch(key: string, before: Entry | undefined, after: Entry | undefined): void {
    const [a, b] = [before?.resource, after?.resource];
    if (this.patches && a && b && before?.problems.length === 0 && after?.problems.length === 0 && sameRelevance(a, b)) this.patches.set(key, b);
    else this.patches = undefined;
  }

  /** Whether a change can alter the bundle: an irrelevant Service or EndpointSlice cannot. */
  private matters(key: string, before: Entry | undefined, after: Entry | undefined): boolean {
    if (this.published.has(key)) return true;
    const resource = after?.resource ?? before?.resource;
    if (!resource) return true;
    if (resource.kind !== 'Service' && resource.kind !== 'EndpointSlice') return true;
    return [before?.resource, after?.resource].some((r) => r !== undefined && (isRelevant(r, this.services) || hasPolicyAnnotation(r)));
  }

  private schedule(): void {
    if (!this.publishing || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.publishing) this.publish();
    });
  }

  private publish(): void {
    if (!this.store) return;
    const patches = this.patches;
    this.patches = new Map();
    this.publishes++;
    if (patches && this.last) {
      const objects = this.last.objects.slice();
      for (const [key, resource] of patches) {
        const i = this.last.index.get(key);
        if (i !== undefined) objects[i] = resource; // not published: still irrelevant (its relevance did not change)
      }
      this.last = { ...this.last, objects };
      this.store.replace(this.id, { objects, problems: this.last.problems });
      return;
    }
    this.order ??= [...this.entries.keys()].sort();
    const resources: AnyResource[] = [];
    for (const key of this.order) {
      const r = (this.entries.get(key) as Entry).resource;
      if (r) resources.push(r);
    }
    this.services = relevantServices(resources);
    const objects: AnyResource[] = [];
    const problems: Problem[] = [];
    const published = new Set<string>();
    const index = new Map<string, number>();
    for (const key of this.order) {
      const e = this.entries.get(key) as Entry;
      const relevant = e.resource ? isRelevant(e.resource, this.services) : e.kind.kind !== 'EndpointSlice';
      if (!relevant) continue;
      published.add(key);
      if (e.resource) index.set(key, objects.push(e.resource) - 1);
      problems.push(...e.problems);
    }
    this.published = published;
    this.last = { objects, problems, index };
    this.store.replace(this.id, { objects, problems });
  }

  private onState(informer: KindInformer): void {
    if (informer.state === 'synced') this.everSynced.add(informer);
    for (const fn of this.stateListeners) fn();
  }
}

/** Whether two versions of an object make the same Services relevant, and are relevant alike themselves. */
function sameRelevance(a: AnyResource, b: AnyResource): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'EndpointSlice' && b.kind === 'EndpointSlice' && sliceService(a) !== sliceService(b)) return false;
  const [ra, rb] = [relevantServices([a]), relevantServices([b])];
  return ra.size === rb.size && [...ra].every((k) => rb.has(k));
}

function hasPolicyAnnotation(r: AnyResource): boolean {
  return r.kind === 'Service' && r.metadata.annotations?.[UPSTREAM_POLICY_ANNOTATION] !== undefined;
}
