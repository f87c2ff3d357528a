/**
 * NativeProxy: the app's wiring of proxy mode. Owns the Stats store, the event log files, the
 * ProxyRuntime (health engines picked per backend: Envoy's or Kong's) and the node id Kong's Admin
 * API reports. Receives every IR the reconciler serves; emits the admin routes /clusters, /stats,
 * /stats/prometheus and Kong's Admin API paths. Never decides health or routes anything itself.
 */
import type { Clock, Random } from './clock';
import type { AdminServer } from './admin/admin-server';
import { clusterStatusOf, clustersHandler } from './admin/clusters';
import { kongAdminDispatcher, kongUpstreamsOf } from './admin/kong-admin';
import { prometheusHandler, statsHandler, type StatsSource } from './admin/stats-routes';
import type * as ir from './ir/types';
import type { Logger } from './log';
import type { ProxyOptions } from './options';
import { uuidV4 } from './proxy/headers';
import { EventLogFiles } from './proxy/health/event-log-file';
import { clusterHealthFactory } from './proxy/kong/cluster-health-factory';
import { ProxyRuntime } from './proxy/runtime';
import { Stats } from './proxy/stats';

export interface NativeProxyOptions {
  readonly proxy: ProxyOptions;
  /** Envoy's process-wide outlier event log (bootstrap `outlier_detection.event_log_path`). */
  readonly outlierEventLog?: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export class NativeProxy {
  readonly stats = new Stats();
  readonly runtime: ProxyRuntime;
  /** This process's id in Kong's Admin API answers (`node_id`), chosen once at start-up. */
  readonly nodeId: string;
  private readonly eventLogs: EventLogFiles;
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
  }

  get listening(): boolean {
    return this.isListening;
  }

  /** Registers the proxy's admin routes and Kong's Admin API hook. */
  registerAdmin(admin: AdminServer): void {
    const runtime = this.runtime;
    const source: StatsSource = { stats: this.stats, clusterNames: () => runtime.clusters().map((c) => c.name), beforeRender: () => runtime.refreshGauges() };
    admin
      .route('/clusters', "the native proxy's clusters and hosts with their health flags, as Envoy prints them (?format=json)", clustersHandler(() => runtime.clusters().map(clusterStatusOf)))
      .route('/stats', "the native proxy's stats by Envoy's names (?filter=REGEX, ?usedonly, ?format=json|prometheus)", statsHandler(source))
      .route('/stats/prometheus', "the native proxy's stats in Prometheus text format", prometheusHandler(source))
      .hook(
        'GET /upstreams/{u}/health, PUT|POST /upstreams/{u}/targets/{t}/healthy|unhealthy  Kong Admin API health endpoints',
        kongAdminDispatcher({ registry: kongUpstreamsOf(() => runtime.clusters()), nodeId: this.nodeId, logger: this.logger.child('kong-admin') }),
      );
  }

  /** Hands a new IR to the runtime; a listener that cannot be bound is logged, the rest applies. */
  apply(next: ir.Ir): void {
    this.runtime.apply(next).catch((err: unknown) => this.logger.error('the native proxy could not apply the new configuration', { err }));
  }

  /** Starts the proxy's listening sockets; resolves their bound ports, ascending. */
  async listen(): Promise<number[]> {
    const ports = await this.runtime.listen();
    this.isListening = true;
    return [...ports.values()].sort((a, b) => a - b);
  }

  /** Stops every proxy server and health engine, then flushes and closes the event logs. */
  async stop(): Promise<void> {
    this.isListening = false;
    await this.runtime.stop();
    await this.eventLogs.close();
  }
}
