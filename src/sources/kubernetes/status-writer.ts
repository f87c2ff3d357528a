/**
 * StatusWriter: writes the reconciler's statuses back to the API server. Receives each reconcile's
 * statuses and problems, the live objects (from the informers), and leadership; emits merge
 * patches of the /status subresource, one object at a time, only for objects whose status would
 * change (no write loops: our own write comes back equal), only while this replica leads and the
 * informers have listed everything. Never writes spec or metadata.
 */
import type { Clock, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import { refKey, type ResourceRef } from '../../model/keys';
import type { Problem } from '../../model/problems';
import type { ResourceStatus } from '../../translate/status';
import { deepEqual } from '../store';
import { isStatus, type Json, type KubeApi } from './api-client';
import { objectPath, watchedKind } from './kinds';
import { desiredStatus, STATUS_KINDS, type StatusContext } from './status-shapes';

export interface StatusWriterOptions {
  readonly api: KubeApi;
  /** The object as the informers last saw it. */
  readonly live: (kind: string, namespace: string, name: string) => Json | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Checked before every write: a replica that lost the lease writes nothing more. */
  readonly isLeader: () => boolean;
  /** Whether every kind was listed (statuses computed from a partial view are not written). */
  readonly isSynced: () => boolean;
  readonly controllerName: string;
  readonly statusNamespace: string;
  readonly reportedBy?: string;
  /** Retry after a failed write (default 5 s). */
  readonly retryMs?: number;
}

interface Desired {
  readonly ref: ResourceRef;
  readonly status: ResourceStatus | undefined;
  readonly problems: readonly Problem[];
}

export interface StatusWriterStats {
  readonly writes: number;
  readonly conflicts: number;
  readonly failures: number;
}

export class StatusWriter {
  private desired = new Map<string, Desired>();
  private readonly dirty = new Set<string>();
  /** Our last write per object: the status sent and the resourceVersion it produced. */
  private readonly written = new Map<string, { readonly rv: string; readonly status: Json }>();
  private running: Promise<void> | undefined;
  private retry: TimerHandle | undefined;
  private readonly retryKeys = new Set<string>();
  private counts = { writes: 0, conflicts: 0, failures: 0 };
  private stopped = false;

  constructor(private readonly options: StatusWriterOptions) {}

  /** Takes a reconcile's outcome: the statuses to show, and every problem (by object). */
  update(statuses: readonly ResourceStatus[], problems: readonly Problem[]): void {
    const next = new Map<string, Desired>();
    for (const s of statuses) if (STATUS_KINDS.includes(s.ref.kind)) next.set(refKey(s.ref), { ref: s.ref, status: s, problems: [] });
    for (const p of problems) {
      if (!p.ref || !STATUS_KINDS.includes(p.ref.kind)) continue;
      const key = refKey(p.ref);
      const d = next.get(key) ?? { ref: p.ref, status: undefined, problems: [] };
      next.set(key, { ...d, problems: [...d.problems, p] });
    }
    for (const [key, d] of next) if (!deepEqual(this.desired.get(key), d)) this.dirty.add(key);
    this.desired = next;
    this.kick();
  }

  /** A live object changed (e.g. someone else edited its status): look at it again. */
  touched(kind: string, namespace: string, name: string): void {
    const key = refKey({ kind, namespace: watchedKind(kind)?.namespaced === false ? '' : namespace, name });
    if (!this.desired.has(key)) return;
    this.dirty.add(key);
    this.kick();
  }

  /** Leadership or sync state changed: every object is looked at again. */
  resync(): void {
    for (const key of this.desired.keys()) this.dirty.add(key);
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.options.clock.clearTimeout(this.retry);
  }

  get stats(): StatusWriterStats {
    return { ...this.counts };
  }

  /** Resolves when no write is pending. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running || this.stopped || this.dirty.size === 0) return;
    if (!this.options.isLeader() || !this.options.isSynced()) return; // resync() comes with leadership
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.dirty.size > 0 && !this.stopped) {
      if (!this.options.isLeader() || !this.options.isSynced()) return;
      const key = this.dirty.values().next().value as string;
      this.dirty.delete(key);
      const d = this.desired.get(key);
      if (d) await this.writeOne(key, d);
    }
  }

  private async writeOne(key: string, d: Desired): Promise<void> {
    const { ref } = d;
    const live = this.options.live(ref.kind, ref.namespace, ref.name);
    const kind = watchedKind(ref.kind);
    if (!live || !kind) return;
    const rv = String((live.metadata as Json | undefined)?.resourceVersion ?? '');
    const status = desiredStatus(ref.kind, live, d.status, d.problems, this.context());
    if (status === undefined) return;
    const last = this.written.get(key);
    if (last && last.rv === rv && deepEqual(last.status, status)) return; // the server normalised our own write: no loop
    if (!this.options.isLeader()) return;
    try {
      const result = await this.options.api.mergePatch(objectPath(kind, ref.namespace, ref.name, 'status'), { metadata: { resourceVersion: rv }, status });
      this.counts.writes++;
      this.written.set(key, { rv: String((result.metadata as Json | undefined)?.resourceVersion ?? ''), status });
      this.options.logger.debug('status written', { resource: key });
    } catch (err) {
      if (isStatus(err, 409)) {
        this.counts.conflicts++; // the informer brings the newer version; touched() looks again
      } else if (!isStatus(err, 404)) {
        this.counts.failures++;
        this.options.logger.warn('cannot write a status; retrying', { resource: key, err: (err as Error).message });
        this.scheduleRetry(key);
      }
    }
  }

  private scheduleRetry(key: string): void {
    this.retryKeys.add(key);
    if (this.retry) return;
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = undefined;
      for (const k of this.retryKeys) this.dirty.add(k);
      this.retryKeys.clear();
      this.kick();
    }, this.options.retryMs ?? 5000);
  }

  private context(): StatusContext {
    const { controllerName, live } = this.options;
    const ownsClass = (c: string): boolean => c === controllerName;
    return {
      controllerName,
      statusNamespace: this.options.statusNamespace,
      reportedBy: this.options.reportedBy ?? 'healthplane',
      now: new Date(this.options.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      ownsClass,
      ownsGateway: (namespace, name) => {
        const className = (live('Gateway', namespace, name)?.spec as Json | undefined)?.gatewayClassName;
        const controller = typeof className === 'string' ? (live('GatewayClass', '', className)?.spec as Json | undefined)?.controllerName : undefined;
        return typeof controller === 'string' && ownsClass(controller);
      },
    };
  }
}
