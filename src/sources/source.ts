/**
 * ResourceSource: the seam between the outside world (a folder of YAML, later Kubernetes
 * informers) and the ResourceStore. A source owns its watch and its own parse state; it receives
 * the store and emits whole bundles into it (store.replace). It never translates and never holds
 * inputs anyone else reads: the store is the only owner of observed inputs.
 */
import type { ResourceStore } from './store';

export interface ResourceSource {
  /** Stable identity of this source in the store (e.g. `folder:/etc/healthplane`). */
  readonly id: string;
  /** Loads everything once (resolves after the first bundle reached the store), then watches. */
  start(store: ResourceStore): Promise<void>;
  /** Stops watching; resolves when no load is in flight. The store keeps the last bundle. */
  stop(): Promise<void>;
}
