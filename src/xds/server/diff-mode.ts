/**
 * How much of a snapshot a stream must look at: nothing new (same snapshot as last time), only
 * the names that changed (the snapshot directly replaced the one last reconciled), or all of it.
 * Keeps a push of one changed resource to N clients proportional to N, not N x snapshot size.
 */
import type { PublishedSnapshot } from '../cache/snapshot-cache';
import type { TypeUrl } from '../type-urls';

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
