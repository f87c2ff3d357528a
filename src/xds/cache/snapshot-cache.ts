/**
 * SnapshotCache: sole owner of the published snapshot of every node group and of the open
 * watches on them. Receives whole snapshots (setSnapshot), refuses inconsistent ones and keeps the
 * last good one, and tells each watcher about the snapshot its group now serves, after its own
 * maps are updated. Knows nothing about gRPC or streams: the seam is watch(key, listener) -> cancel.
 */
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import { ALL_TYPE_URLS, type TypeUrl } from '../type-urls';
import { DEFAULT_GROUP } from './node-hash';
import type { Snapshot } from './snapshot';

/** A snapshot as published for one group, with what changed since the one it replaced. */
export interface PublishedSnapshot {
  /** Unique and increasing over the cache's lifetime. */
  readonly id: number;
  readonly group: string;
  readonly snapshot: Snapshot;
  readonly publishedAt: number;
  /** The id of the snapshot this one replaced in the same group, when there was one. */
  readonly baseId: number | undefined;
  /** Names per type that differ from the base (empty sets for unchanged types). */
  readonly changed: ReadonlyMap<TypeUrl, ReadonlySet<string>>;
}

export type SnapshotListener = (published: PublishedSnapshot) => void;

export type SetSnapshotResult =
  | { readonly status: 'published'; readonly id: number }
  | { readonly status: 'unchanged'; readonly id: number }
  | { readonly status: 'rejected'; readonly problems: readonly string[] };

export interface SnapshotCacheOptions {
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Watch {
  readonly key: string;
  readonly listener: SnapshotListener;
  /** Id of the last snapshot this watch was told about. */
  lastId: number;
}

export class SnapshotCache {
  private readonly published = new Map<string, PublishedSnapshot>();
  private readonly watches = new Set<Watch>();
  private nextId = 1;

  constructor(private readonly options: SnapshotCacheOptions) {}

  /**
   * Publishes a snapshot for a group (DEFAULT_GROUP serves every node without a group of its
   * own). An inconsistent snapshot is rejected and the previous one stays live; a snapshot with
   * the same content as the live one changes nothing.
   */
  setSnapshot(group: string, snapshot: Snapshot): SetSnapshotResult {
    const problems = snapshot.checkConsistent();
    if (problems.length > 0) {
      this.options.logger.warn('snapshot rejected; keeping the last good one', { group, problems });
      return { status: 'rejected', problems };
    }
    const previous = this.published.get(group);
    if (previous && ALL_TYPE_URLS.every((t) => previous.snapshot.version(t) === snapshot.version(t))) {
      return { status: 'unchanged', id: previous.id };
    }
    const emptyChanges = new Map<TypeUrl, ReadonlySet<string>>(ALL_TYPE_URLS.map((t) => [t, new Set<string>()]));
    const entry: PublishedSnapshot = {
      id: this.nextId++,
      group,
      snapshot,
      publishedAt: this.options.clock.now(),
      baseId: previous?.id,
      changed: previous ? snapshot.changesSince(previous.snapshot) : emptyChanges,
    };
    this.published.set(group, entry);
    this.notify();
    return { status: 'published', id: entry.id };
  }

  /** Removes a group's snapshot; its nodes fall back to the default group (if any). */
  clearSnapshot(group: string): void {
    if (this.published.delete(group)) this.notify();
  }

  /** The snapshot a node of this group is served (its own group's, else the default group's). */
  snapshotFor(group: string): PublishedSnapshot | undefined {
    return this.published.get(group) ?? this.published.get(DEFAULT_GROUP);
  }

  groups(): string[] {
    return [...this.published.keys()].sort();
  }

  /** Number of open watches (for status pages and tests). */
  watchCount(): number {
    return this.watches.size;
  }

  /**
   * Calls listener with the snapshot the group is served now (if any) and on every later change
   * of it, until the returned cancel function is called. The first call happens synchronously.
   */
  watch(group: string, listener: SnapshotListener): () => void {
    const w: Watch = { key: group, listener, lastId: 0 };
    this.watches.add(w);
    this.deliver(w);
    return () => {
      this.watches.delete(w);
    };
  }

  private notify(): void {
    for (const w of [...this.watches]) {
      if (this.watches.has(w)) this.deliver(w);
    }
  }

  private deliver(w: Watch): void {
    const current = this.snapshotFor(w.key);
    if (!current || current.id === w.lastId) return;
    w.lastId = current.id;
    try {
      w.listener(current);
    } catch (err) {
      this.options.logger.error('snapshot watcher failed', { group: w.key, err });
    }
  }
}
