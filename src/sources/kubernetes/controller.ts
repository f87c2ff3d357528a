/**
 * KubernetesController: everything `serve --kubernetes` adds, assembled: the informer source (into
 * the ResourceStore), the status writer, and the Lease election that decides which replica writes.
 * Receives the store, and each reconcile's statuses and problems (reconciled()); emits store
 * bundles, status patches (leader only) and a readiness summary. Holds no translation logic; every
 * replica serves xDS from its own informers whether it leads or not.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, Random } from '../../clock';
import type { Logger } from '../../log';
import type { Problem } from '../../model/problems';
import type { ResourceStatus } from '../../translate/status';
import type { ResourceStore } from '../store';
import { KubeHttpApi, type KubeApi } from './api-client';
import type { InformerTiming } from './informers';
import { LeaderElection } from './leader-election';
import { KubernetesSource } from './source';
import { StatusWriter } from './status-writer';

export interface KubernetesControllerOptions {
  readonly config: KubeConfig;
  /** Namespaces to watch; empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** This replica's name in the Lease (the pod name). */
  readonly identity: string;
  /** Where the Lease lives (the pod's namespace). */
  readonly leaseNamespace: string;
  readonly leaseName?: string;
  /** controllerName in Gateway API statuses (the translator's). */
  readonly controllerName: string;
  /** Key of Gloo's per-reporter Upstream status (default: the lease namespace). */
  readonly statusNamespace?: string;
  /** false: never write status (no Lease either). */
  readonly writeStatus?: boolean;
  readonly timing?: InformerTiming;
  readonly election?: { readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  readonly api?: KubeApi;
  readonly syncTimeoutMs?: number;
}

export interface ControllerReadiness {
  readonly synced: boolean;
  readonly leader: boolean;
  readonly notes: readonly string[];
}

export class KubernetesController {
  readonly source: KubernetesSource;
  readonly writer: StatusWriter;
  readonly election: LeaderElection | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;

  constructor(options: KubernetesControllerOptions) {
    const { clock, random, logger } = options;
    const api = options.api ?? new KubeHttpApi(options.config);
    this.source = new KubernetesSource({ config: options.config, api, namespaces: options.namespaces, clock, random, logger: logger.child('informers'), timing: options.timing, syncTimeoutMs: options.syncTimeoutMs });
    const writes = options.writeStatus ?? true;
    this.election = writes
      ? new LeaderElection({ api, clock, random, logger: logger.child('leader'), namespace: options.leaseNamespace, name: options.leaseName ?? 'healthplane-status', identity: options.identity, ...options.election })
      : undefined;
    const election = this.election;
    this.writer = new StatusWriter({
      api,
      live: (kind, ns, name) => this.source.live(kind, ns, name),
      clock,
      logger: logger.child('status'),
      isLeader: () => election?.isLeader() ?? false,
      isSynced: () => this.source.readiness().synced,
      controllerName: options.controllerName,
      statusNamespace: options.statusNamespace ?? options.leaseNamespace,
    });
  }

  /** Starts the informers (resolves once they listed everything, after the sync timeout, or at stop()) and the election. */
  async start(store: ResourceStore): Promise<void> {
    const { source, writer, election } = this;
    this.unsubscribe.push(
      source.onLive((kind, object) => {
        const meta = (object.metadata ?? {}) as { namespace?: string; name?: string };
        writer.touched(kind.kind, meta.namespace ?? '', meta.name ?? '');
      }),
      source.onInformerState(() => writer.resync()),
    );
    if (election) this.unsubscribe.push(election.onChange((leading) => leading && writer.resync()));
    await source.start(store);
    if (!this.stopped) election?.start();
  }

  /** Hands a reconcile's outcome to the status writer (call after every reconcile). */
  reconciled(report: { readonly statuses: readonly ResourceStatus[]; readonly problems: readonly Problem[] }): void {
    this.writer.update(report.statuses, report.problems);
  }

  readiness(): ControllerReadiness {
    const r = this.source.readiness();
    return { synced: r.synced, leader: this.election?.isLeader() ?? false, notes: r.notes };
  }

  /** Stops writing at once, releases the Lease, stops the informers. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.writer.stop();
    await this.election?.stop();
    await this.writer.whenIdle();
    for (const off of this.unsubscribe.splice(0)) off();
    await this.source.stop();
  }
}
