/**
 * MirrorClusterHealth: a proxy worker's ClusterHealth. The health engine of the cluster runs in the
 * primary process; the worker holds the host views the primary last sent (HealthBoard) and passes
 * every request outcome on to it (through the worker's outcome batch). Never probes, never ejects,
 * never changes a flag by itself.
 */
import type * as ir from '../../ir/types';
import type { ClusterHealth, HostState, RequestOutcome } from '../health/cluster-health';
import type { HealthTable } from './worker-messages';

type Listener = () => void;

const NONE: readonly HostState[] = [];

/** The host views of every cluster as the primary last sent them; one per worker. */
export class HealthBoard {
  private readonly views = new Map<string, readonly HostState[]>();
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Replaces the views of the clusters in `table`; `complete`: clusters not in it are dropped. */
  set(table: HealthTable, complete = false): void {
    if (complete) for (const name of [...this.views.keys()]) if (!(name in table)) this.views.delete(name);
    for (const [name, hosts] of Object.entries(table)) {
      this.views.set(name, hosts);
      for (const l of this.listeners.get(name) ?? []) l();
    }
  }

  hosts(cluster: string): readonly HostState[] {
    return this.views.get(cluster) ?? NONE;
  }

  onChange(cluster: string, listener: Listener): () => void {
    let set = this.listeners.get(cluster);
    if (!set) this.listeners.set(cluster, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(cluster);
    };
  }
}

export type OutcomeSink = (cluster: string, hostKey: string, outcome: RequestOutcome) => void;

export class MirrorClusterHealth implements ClusterHealth {
  readonly name: string;
  readonly engine: ir.HealthEngine;
  private stopped = false;

  constructor(
    backend: ir.Backend,
    private readonly board: HealthBoard,
    private readonly sink: OutcomeSink,
  ) {
    this.name = backend.name;
    this.engine = backend.engine;
  }

  hosts(): readonly HostState[] {
    return this.board.hosts(this.name);
  }

  reportResult(hostKey: string, outcome: RequestOutcome): void {
    if (!this.stopped) this.sink(this.name, hostKey, outcome);
  }

  /** The primary sends the new host views with the config that changed the backend. */
  update(): void {}

  stop(): void {
    this.stopped = true;
  }

  onChange(listener: () => void): () => void {
    return this.board.onChange(this.name, listener);
  }
}
