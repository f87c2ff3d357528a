/**
 * NativeProxy: the app's wiring of proxy mode. Owns the Stats store, the event log files, the
 * ProxyRuntime (health engines picked per backend: Envoy's or Kong's), the proxy workers when
 * `--proxy-workers` is above 1 (then this process's runtime keeps the health engines and never
 * listens; the workers serve) and the node id Kong's Admin API reports. Receives every IR the
 * reconciler serves; emits the admin routes /clusters, /stats, /stats/prometheus and Kong's Admin
 * API paths. Never decides health or routes anything itself.
 */
import type { Clock, Random } from './clock';
import type { AdminServer } from './admin/admin-server';
import { clusterStatusOf, clustersHandler } from './admin/clusters';
import { kongAdminDispatcher, kongUpstreamsOf } from './admin/kong-admin';
import { prometheusHandler, statsHandler, type StatsSource } from './admin/stats-routes';
import type * as ir from './ir/types';
import type { Logger, LogLevel } from './log';
import type { ProxyOptions } from './options';
import { uuidV4 } from './proxy/headers';
import { EventLogFiles } from './proxy/health/event-log-file';
import { clusterHealthFactory } from './proxy/kong/cluster-health-factory';
import { ProxyRuntime } from './proxy/runtime';
import { Stats, type Stat } from './proxy/stats';
import { clusterSpawner } from './proxy/workers/cluster-spawner';
import { ProxyWorkers, type WorkerSpawner } from './proxy/workers/proxy-workers';
import { mergeStats, sumTraffic } from './proxy/workers/worker-status';

export interface NativeProxyOptions {
  readonly proxy: ProxyOptions;
  /** Envoy's process-wide outlier event log (bootstrap `outlier_detection.event_log_path`). */
  readonly outlierEventLog?: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** What proxy workers log with (their own loggers, on their stderr). */
  readonly workerLog?: { readonly level: LogLevel; readonly traces: readonly string[] };
  /** Starts one proxy worker (default: node:cluster with dist/proxy/workers/worker-main.js). */
  readonly spawnWorker?: WorkerSpawner;
}

export class NativeProxy {
  readonly stats = new Stats();
  readonly runtime: ProxyRuntime;
  /** This process's id in Kong's Admin API answers (`node_id`), chosen once at start-up. */
  readonly nodeId: string;
  private readonly eventLogs: EventLogFiles;
  /** The proxy workers (`--proxy-workers` N > 1); undefined: this process serves. */
  readonly workers: ProxyWorkers | undefined;
  private readonly logger: Logger;
  private isListening = false;

  constructor(options: NativeProxyOptions) {
    const { clock, random, proxy } = options;
    const logger = (this.logger = options.logger.child('proxy'));
    const stats = this.stats;
    const eventLogs = (this.eventLogs = new EventLogFiles(options.logger.child('event-log')));
    const outlierEventLog = options.outlierEventLog !== undefined ? eventLogs.open(options.outlierEventLog) : undefined;
    this.nodeId = uuidV4(random);
    this.runtime = new ProxyRuntime({
      clock,
      random,
      stats,
      logger,
      healthFactory: clusterHealthFactory({ clock, random, stats, logger: options.logger.child('health'), eventLog: (path) => eventLogs.open(path), outlierEventLog }),
      proxyPort: proxy.port,
      address: proxy.address,
      lbPolicy: proxy.lbPolicy,
      retry: proxy.retry,
    });
    const count = proxy.workers ?? 1;
    if (count > 1) {
      const runtime = this.runtime;
      this.workers = new ProxyWorkers({
        count,
        spawn: options.spawnWorker ?? clusterSpawner(),
        settings: { proxyPort: proxy.port, address: proxy.address, lbPolicy: proxy.lbPolicy, retry: proxy.retry, logLevel: options.workerLog?.level ?? 'info', traces: options.workerLog?.traces ?? [] },
        clusters: () => runtime.clusters(),
        clock,
        logger: logger.child('workers'),
        defer: (fn) => setImmediate(fn),
      });
    }
  }

  get listening(): boolean {
    return this.isListening;
  }

  /** Registers the proxy's admin routes and Kong's Admin API hook. */
  registerAdmin(admin: AdminServer): void {
    const { runtime, workers, stats } = this;
    const allStats = workers ? async (): Promise<readonly Stat[]> => mergeStats(stats.all(), await workers.status()) : () => stats.all();
    const source: StatsSource = { stats: { all: allStats }, clusterNames: () => runtime.clusters().map((c) => c.name), beforeRender: () => runtime.refreshGauges() };
    const clusters = workers
      ? async () => {
          const statuses = await workers.status();
          return runtime.clusters().map((view) => clusterStatusOf({ ...view, traffic: (key) => sumTraffic(statuses, view.name, key) }));
        }
      : () => runtime.clusters().map(clusterStatusOf);
    admin
      .route('/clusters', "the native proxy's clusters and hosts with their health flags, as Envoy prints them (?format=json)", clustersHandler(clusters))
      .route('/stats', "the native proxy's stats by Envoy's names (?filter=REGEX, ?usedonly, ?format=json|prometheus)", statsHandler(source))
      .route('/stats/prometheus', "the native proxy's stats in Prometheus text format", prometheusHandler(source))
      .hook(
        'GET /upstreams/{u}/health, PUT|POST /upstreams/{u}/targets/{t}/healthy|unhealthy  Kong Admin API health endpoints',
        kongAdminDispatcher({ registry: kongUpstreamsOf(() => runtime.clusters()), nodeId: this.nodeId, logger: this.logger.child('kong-admin') }),
      );
  }

  /** Hands a new IR to the runtime; a listener that cannot be bound is logged, the rest applies. */
  apply(next: ir.Ir): void {
    // With workers this runtime never listens, so its pools (and health engines) are in place when
    // apply returns, before the workers get the config with their health.
    this.runtime.apply(next).catch((err: unknown) => this.logger.error('the native proxy could not apply the new configuration', { err }));
    this.workers?.apply(next);
  }

  /** Starts the proxy's listening sockets; resolves their bound ports, ascending. */
  async listen(): Promise<number[]> {
    const ports = this.workers ? await this.workers.start() : await this.runtime.listen();
    this.isListening = true;
    return [...ports.values()].sort((a, b) => a - b);
  }

  /** Stops every proxy server and health engine, then flushes and closes the event logs. */
  async stop(): Promise<void> {
    this.isListening = false;
    await this.workers?.stop();
    await this.runtime.stop();
    await this.eventLogs.close();
  }
}
