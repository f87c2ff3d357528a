/**
 * App: wiring only. Builds every component of `serve`/`quickstart` from the parsed options
 * (snapshot cache, client registry, ADS server with CSDS, admin server, either the resources-file
 * watcher or the config folder / Kubernetes informers -> store -> reconciler pipeline (with the
 * Kubernetes status writer fed by each reconcile), the native proxy fed by the
 * reconciler's IR, and the quickstart's demo upstreams), starts them in order and stops them in
 * reverse. With main.ts, the only place that constructs the system clock. Holds no protocol,
 * resource or health logic of its own.
 */
import os from 'node:os';
import path from 'node:path';
import { systemClock, systemRandom, type Clock, type Random } from './clock';
import { SourceError } from './errors';
import type { Logger } from './log';
import type { Env, KubernetesOptions, ServeOptions } from './options';
import { AdminServer } from './admin/admin-server';
import { ConfigDump } from './admin/config-dump';
import { readyHandler, xdsClientsHandler, type ReadinessState } from './admin/status-routes';
import { DEFAULT_GROUP, nodeHashFor } from './xds/cache/node-hash';
import { SnapshotCache } from './xds/cache/snapshot-cache';
import { loadResourcesFile, publishResources, ResourcesFileWatcher, type ResourcesLoad } from './xds/resources-file';
import { AdsServer } from './xds/server/ads-server';
import { statusHandler } from './admin/status-page';
import { Reconciler, type IrListener } from './reconcile/reconciler';
import { FolderSource } from './sources/file/source';
import { KubernetesController } from './sources/kubernetes/controller';
import { loadKubeConfig } from './sources/kubernetes/kubeconfig';
import { ResourceStore } from './sources/store';
import { translateInputs } from './translate/translate';
import { toXdsResources } from './xds/translate';
import { ClientRegistry } from './xds/server/client-registry';
import { csdsService } from './xds/server/csds-service';
import { NativeProxy } from './native-proxy';
import { startDemoUpstream, type DemoUpstream } from './demo/demo-upstream';

/** The folder `healthplane quickstart` serves unless given --config-dir. */
export const QUICKSTART_DIR = path.join(__dirname, '..', 'examples', 'quickstart');

export interface AppDeps {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Holdoff of the resources-file watcher (default 100 ms, at most 1 s). */
  readonly reloadDelayMs?: number;
  readonly reloadMaxDelayMs?: number;
  /** Holdoff of the config folder watcher (default 50 ms, at most 1 s). */
  readonly folderDelayMs?: number;
  readonly folderMaxDelayMs?: number;
  /** Called with every IR the reconciler serves (the native proxy runtime's seam). */
  readonly onIr?: IrListener;
  /** The environment (--kubernetes: KUBECONFIG, POD_NAME, POD_NAMESPACE, in-cluster variables); default process.env. */
  readonly env?: Env;
}

/** controllerName of healthplane's Gateway API statuses (the translator's default). */
const CONTROLLER_NAME = 'healthplane.dev/gateway-controller';

export interface BoundPorts {
  readonly xdsPort: number;
  readonly adminPort: number;
  /** The native proxy's bound ports (one with --proxy-port; one per listener otherwise). */
  readonly proxyPorts?: readonly number[];
}

export class App {
  readonly cache: SnapshotCache;
  readonly registry: ClientRegistry;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ads: AdsServer;
  private readonly admin: AdminServer;
  private readonly resourcesFile: string | undefined;
  private watcher: ResourcesFileWatcher | undefined;
  /** The --config-dir / --kubernetes pipeline: source -> store -> reconciler -> cache (undefined otherwise). */
  readonly store: ResourceStore | undefined;
  readonly reconciler: Reconciler | undefined;
  private readonly folder: FolderSource | undefined;
  private readonly configDir: string | undefined;
  /** --kubernetes: informers, status writer and Lease (built in start(): loading the kubeconfig can fail). */
  private kube: KubernetesController | undefined;
  /** The native proxy (--proxy-port, --proxy, quickstart). */
  readonly proxy: NativeProxy | undefined;
  private readonly demos: DemoUpstream[] = [];
  private xdsListening = false;
  private stopping = false;

  constructor(
    private readonly options: ServeOptions,
    private readonly deps: AppDeps,
  ) {
    const clock = (this.clock = deps.clock ?? systemClock);
    const logger = (this.logger = deps.logger);
    const epoch = clock.now().toString(36);
    this.resourcesFile = options.xdsResources;
    const configDir = (this.configDir = options.configDir ?? (options.command === 'quickstart' ? QUICKSTART_DIR : undefined));
    this.cache = new SnapshotCache({ clock, logger: logger.child('cache') });
    this.registry = new ClientRegistry({ clock });
    this.ads = new AdsServer({
      cache: this.cache,
      nodeHash: nodeHashFor(options.nodeHash),
      hooks: this.registry,
      clock,
      logger: logger.child('xds'),
      epoch,
      controlPlaneId: options.controlPlaneId ?? 'healthplane',
      extraServices: [csdsService({ registry: this.registry, cache: this.cache, logger: logger.child('csds') })],
    });
    this.admin = new AdminServer({ logger: logger.child('admin') })
      .route('/ready', '200 once a snapshot is served, 503 with the reason before', readyHandler(() => this.readiness()))
      .route('/config_dump', "the served snapshot(s) in Envoy's config_dump JSON (?group=NAME)", new ConfigDump({ cache: this.cache, versionPrefix: epoch }).handler())
      .route('/xds/clients', 'connected xDS clients: node, versions sent and ACKed, last NACK (?node=ID, ?resources=false)', xdsClientsHandler(this.registry));
    if (options.proxy) {
      this.proxy = new NativeProxy({ proxy: options.proxy, outlierEventLog: options.outlierEventLog, clock, random: deps.random ?? systemRandom, logger, workerLog: { level: options.logLevel, traces: options.traces } });
      this.proxy.registerAdmin(this.admin);
    }
    if (configDir !== undefined || options.kubernetes !== undefined) {
      const store = (this.store = new ResourceStore());
      if (configDir !== undefined) this.folder = new FolderSource({ dir: configDir, clock, logger: logger.child('folder'), delayMs: deps.folderDelayMs, maxDelayMs: deps.folderMaxDelayMs });
      const gatewayClass = options.gatewayClass;
      const reconciler = (this.reconciler = new Reconciler({
        store,
        cache: this.cache,
        clock,
        logger: logger.child('reconcile'),
        translate: (inputs, cache) => translateInputs(inputs, gatewayClass !== undefined ? { gatewayClass } : {}, cache),
        toXds: toXdsResources,
        onIr: this.irListener(),
        onReport: (report) => this.kube?.reconciled(report),
      }));
      this.admin.route('/status', 'every input resource with its file:line, conditions, errors and warnings (?kind=, ?namespace=, ?name=, ?problems=true)', statusHandler(() => reconciler.lastReport()));
    }
  }

  /**
   * Starts the demo upstreams (quickstart), loads the resources, then starts the xDS server, the
   * admin server, the native proxy and the file watcher; logs one `healthplane ready` line.
   */
  async start(): Promise<BoundPorts> {
    const { options, logger } = this;
    await this.startDemos();
    // --kubernetes: the admin server first, so that /ready explains a slow first sync (503 and why).
    const early = options.kubernetes !== undefined ? await this.admin.listen(options.admin.address, options.admin.port) : undefined;
    if (early !== undefined) logger.info('admin server listening; /ready answers 503 until the first sync', { adminAddress: options.admin.address, adminPort: early });
    await this.loadResources();
    if (this.stopping) throw new Error('stopped before start completed');
    const xdsPort = await this.ads.listen(options.xds.address, options.xds.port);
    this.xdsListening = true;
    let adminPort: number;
    let proxyPorts: number[] | undefined;
    try {
      adminPort = early ?? (await this.admin.listen(options.admin.address, options.admin.port));
      proxyPorts = await this.proxy?.listen();
    } catch (err) {
      await this.admin.stop();
      await this.ads.stop(0);
      throw err;
    }
    this.startWatching();
    const proxy = proxyPorts === undefined ? {} : options.proxy?.port !== undefined ? { proxyAddress: options.proxy.address, proxyPort: proxyPorts[0] } : { proxyPorts };
    const demos = this.demos.length > 0 ? { demoUpstreams: this.demos.map((d) => d.port) } : {};
    logger.info('healthplane ready', { xdsAddress: options.xds.address, xdsPort, adminAddress: options.admin.address, adminPort, ...proxy, ...demos });
    return { xdsPort, adminPort, ...(proxyPorts ? { proxyPorts } : {}) };
  }

  private async startDemos(): Promise<void> {
    for (const port of this.options.demoUpstreams) {
      const demo = await startDemoUpstream({ port, host: '127.0.0.1', clock: this.clock, random: systemRandom }).catch((err: Error) => {
        throw new Error(`cannot start the demo upstream on 127.0.0.1:${port} (${err.message}); pick other ports with --demo-ports, or give "--demo-ports none"`, { cause: err });
      });
      this.demos.push(demo);
    }
    if (this.demos.length > 0) this.logger.info('demo upstreams listening', { address: '127.0.0.1', ports: this.demos.map((d) => d.port) });
  }

  private async loadResources(): Promise<void> {
    const { logger } = this;
    if (this.options.kubernetes && this.store && this.reconciler) {
      await this.startKubernetes(this.options.kubernetes, this.store, this.reconciler);
    } else if (this.folder && this.store && this.reconciler) {
      await this.folder.start(this.store);
      const report = this.reconciler.start();
      const errors = report.problems.filter((p) => p.severity === 'error').length;
      logger.info('config folder served', { dir: this.configDir, objects: report.objects.length, errors, warnings: report.problems.length - errors, snapshot: report.snapshot.status });
    } else if (this.resourcesFile !== undefined) {
      const load = await loadResourcesFile(this.resourcesFile);
      const outcome = publishResources(this.cache, load, DEFAULT_GROUP);
      if (outcome.status === 'rejected') {
        throw new SourceError('HP_SOURCE_PARSE', `cannot serve ${this.resourcesFile} (${outcome.code}):\n  ${outcome.problems.join('\n  ')}`);
      }
      logger.info('resources published', { file: this.resourcesFile, resources: outcome.resources, snapshot: outcome.id });
    } else {
      logger.warn('neither --config-dir, --kubernetes nor --xds-resources given: serving nothing until resources are published');
    }
  }

  /** Loads the kubeconfig, lists every kind (or times out), then reconciles; statuses follow each reconcile. */
  private async startKubernetes(k8s: KubernetesOptions, store: ResourceStore, reconciler: Reconciler): Promise<void> {
    const env = this.deps.env ?? process.env;
    const loaded = loadKubeConfig({ file: k8s.kubeconfig, env });
    const identity = env.POD_NAME || `${os.hostname()}_${process.pid}`;
    const leaseNamespace = env.POD_NAMESPACE || 'healthplane';
    const logger = this.logger.child('kubernetes');
    logger.info('watching the cluster', { server: loaded.server, from: loaded.from, namespaces: k8s.namespaces.length > 0 ? k8s.namespaces : 'all', identity, lease: `${leaseNamespace}/healthplane-status` });
    const kube = (this.kube = new KubernetesController({
      config: loaded.config,
      namespaces: k8s.namespaces,
      clock: this.clock,
      random: this.deps.random ?? systemRandom,
      logger,
      identity,
      leaseNamespace,
      controllerName: CONTROLLER_NAME,
      election: k8s.election,
    }));
    await kube.start(store);
    if (this.stopping) return;
    const report = reconciler.start();
    const errors = report.problems.filter((p) => p.severity === 'error').length;
    logger.info('cluster objects served', { objects: report.objects.length, errors, warnings: report.problems.length - errors, snapshot: report.snapshot.status, notes: kube.readiness().notes });
  }

  /**
   * Stops in reverse order: watcher, folder pipeline, native proxy (health checks included), admin
   * server, xDS server (streams end with UNAVAILABLE), event log files, demo upstreams.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    this.watcher?.stop();
    await this.watcher?.whenIdle();
    await this.folder?.stop();
    await this.kube?.stop();
    this.reconciler?.stop();
    await this.proxy?.stop();
    await this.admin.stop();
    await this.ads.stop(graceMs);
    this.xdsListening = false;
    await Promise.all(this.demos.splice(0).map((d) => d.close()));
    this.logger.info('healthplane stopped');
  }

  /** The reconciler's IR seam: the native proxy first, then the test hook. */
  private irListener(): IrListener | undefined {
    const { proxy, deps } = this;
    if (!proxy) return deps.onIr;
    return (ir) => {
      proxy.apply(ir);
      deps.onIr?.(ir);
    };
  }

  private startWatching(): void {
    const file = this.resourcesFile;
    if (file === undefined) return;
    this.watcher = new ResourcesFileWatcher({
      file,
      clock: this.clock,
      logger: this.logger.child('resources'),
      delayMs: this.deps.reloadDelayMs,
      maxDelayMs: this.deps.reloadMaxDelayMs,
      onLoad: (load) => this.republish(file, load),
    });
    this.watcher.start();
  }

  private republish(file: string, load: ResourcesLoad): void {
    if (this.stopping) return;
    const outcome = publishResources(this.cache, load, DEFAULT_GROUP);
    if (outcome.status === 'rejected') {
      this.logger.error('resources not published; the last good snapshot stays served', { code: outcome.code, file, problems: outcome.problems });
    } else if (outcome.status === 'published') {
      this.logger.info('resources published', { file, resources: outcome.resources, snapshot: outcome.id });
    }
  }

  private readiness(): ReadinessState {
    if (this.stopping) return { ready: false, reason: 'shutting down' };
    const notes = this.kubernetesNotes();
    if (this.options.kubernetes && !this.kube?.readiness().synced) return { ready: false, reason: 'the Kubernetes informers have not listed every kind yet', notes };
    if (!this.xdsListening) return { ready: false, reason: 'the xDS server is not listening yet', notes };
    if (this.cache.groups().length === 0) return { ready: false, reason: 'no snapshot published yet', notes };
    if (this.proxy && !this.proxy.listening) return { ready: false, reason: 'the native proxy is not listening yet', notes };
    return { ready: true, notes };
  }

  /** --kubernetes: the informers' notes (missing CRDs, failing watches) and whether this replica writes statuses. */
  private kubernetesNotes(): string[] | undefined {
    if (!this.options.kubernetes) return undefined;
    if (!this.kube) return ['kubernetes: connecting to the API server'];
    const r = this.kube.readiness();
    return [...r.notes, r.leader ? 'statuses: written by this replica (it holds the Lease)' : 'statuses: written by the replica holding the Lease (not this one)'];
  }
}
