/**
 * The reconcile pass both stream protocols share: which names of a snapshot a stream must look at
 * (nothing new, only the names that changed since the snapshot it last caught up with, or all),
 * and one pass over its types in push order, upserts before removals. Keeps a push of one changed
 * resource to N clients proportional to N, not N x snapshot size. Sends nothing itself.
 */
import type { SnapshotEntry } from '../cache/snapshot';
import type { PublishedSnapshot } from '../cache/snapshot-cache';
import { PUSH_ORDER, isServedTypeUrl, type TypeUrl } from '../type-urls';
import type { StreamCore } from './stream-core';

export type DiffMode = 'none' | 'incremental' | 'full';

/** Names to examine for one type: a set, or 'all'. */
export type Changed = ReadonlySet<string> | 'all';

const NOTHING: ReadonlySet<string> = new Set();

export function diffMode(published: PublishedSnapshot, reconciledId: number): DiffMode {
  if (published.id === reconciledId) return 'none';
  if (reconciledId > 0 && published.baseId === reconciledId) return 'incremental';
  return 'full';
}

export function changedNames(published: PublishedSnapshot, typeUrl: TypeUrl, mode: DiffMode): Changed {
  if (mode === 'full') return 'all';
  if (mode === 'none') return NOTHING;
  return published.changed.get(typeUrl) ?? NOTHING;
}

export type Phase = 'upsert' | 'remove';

export interface PassHandlers<S> {
  /** Sends what one type needs in one phase. */
  readonly visit: (typeUrl: TypeUrl, state: S, phase: Phase, changed: Changed) => void;
  /** The pass completed: the client now holds what it tracks of these resources. */
  readonly rebase: (state: S, resources: ReadonlyMap<string, SnapshotEntry>) => void;
}

/**
 * One reconcile pass of a stream, shared by both protocols: every type in push order, all
 * upserts before any removal. Returns the id of the snapshot the stream is now in step with, -1
 * when back-pressure cut the pass short (the next pass then diffs everything), or the given id
 * when there is nothing to reconcile against yet.
 */
export function reconcilePass<S>(core: StreamCore, reconciledId: number, types: ReadonlyMap<string, S>, handlers: PassHandlers<S>): number {
  const published = core.published;
  if (!published || !core.canSend()) return reconciledId;
  const mode = diffMode(published, reconciledId);
  for (const phase of ['upsert', 'remove'] as const) {
    for (const typeUrl of PUSH_ORDER) {
      const state = types.get(typeUrl);
      if (state) handlers.visit(typeUrl, state, phase, changedNames(published, typeUrl, mode));
      if (!core.canSend()) return -1;
    }
  }
  for (const [typeUrl, state] of types) if (isServedTypeUrl(typeUrl)) handlers.rebase(state, published.snapshot.resources(typeUrl));
  return published.id;
}
