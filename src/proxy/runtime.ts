/**
 * ProxyRuntime: the native proxy's one owner of live state. `apply(ir)` compiles the route tables
 * and reconciles the upstream pools in one step: pools (and so ClusterHealth and its state) stay
 * for backends that stay (`update(backend)`), new ones (and ones whose health engine changed) come
 * from the injected health factory, removed ones stop. Serves every route on `proxyPort`, or one
 * ProxyServer per IR listener port (server changes run one at a time, in apply order).
 * Emits read-only cluster views for admin. Never reads Envoy protos; never decides health itself.
 */
import type { Clock, Random } from '../clock';
import type * as ir from '../ir/types';
import type { Logger } from '../log';
import type { ClusterHealth } from './health/cluster-health';
import type { LbPolicy } from './load-balancer';
import type { RetryPolicy } from './retry-policy';
import { ProxyServer, type ProxyTable } from './proxy-server';
import { Router } from './router';
import type { Stats } from './stats';
import { UpstreamPool, type HostTraffic } from './upstream-pool';

export type ClusterHealthFactory = (backend: ir.Backend) => ClusterHealth;

export interface ProxyRuntimeOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly stats: Stats;
  readonly logger: Logger;
  readonly healthFactory: ClusterHealthFactory;
  /** One port for every route (`--proxy-port`); without it, each IR listener's own port. */
  readonly proxyPort?: number;
  /** Bind address of the proxy port (default 0.0.0.0); per-listener servers use the IR address. */
  readonly address?: string;
  readonly routeTimeoutMs?: number;
  /** Overrides every backend's load-balancing policy (e.g. `random`). */
  readonly lbPolicy?: LbPolicy;
  readonly maxSocketsPerHost?: number;
  /** Envoy-style retry policy for every route (`--retry-on`); default none, as Envoy's. Kong-engine clusters always use Kong's. */
  readonly retry?: RetryPolicy;
}

/** What /clusters reads about one cluster. */
export interface ClusterView {
  readonly name: string;
  readonly backend: ir.Backend;
  readonly health: ClusterHealth;
  traffic(hostKey: string): HostTraffic;
}

/** The key of the single table in proxy-port mode. */
const ALL = -1;

interface Generation {
  readonly routers: ReadonlyMap<number, Router>;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
  readonly listeners: readonly ir.Listener[];
}

export class ProxyRuntime {
  private current: Generation = { routers: new Map(), pools: new Map(), listeners: [] };
  /** Servers by IR listener port (or ALL). */
  private readonly servers = new Map<number, ProxyServer>();
  private listening = false;
  /** The tail of the queue of server reconciliations (so overlapping applies never race). */
  private serverWork: Promise<void> = Promise.resolve();

  constructor(private readonly options: ProxyRuntimeOptions) {}

  /** Swaps routes and pools for a new IR; returns once the per-listener servers match it. */
  async apply(next: ir.Ir): Promise<void> {
    const pools = this.reconcilePools(next.backends);
    const routers = new Map<number, Router>();
    if (this.options.proxyPort !== undefined) routers.set(ALL, new Router(next.listeners));
    else for (const l of next.listeners) routers.set(l.port, new Router([l]));
    this.current = { routers, pools, listeners: next.listeners };
    if (this.listening) await this.queueServerWork();
  }

  /** Starts listening; resolves the bound ports by IR listener port (or -1 for the proxy port). */
  async listen(): Promise<ReadonlyMap<number, number>> {
    this.listening = true;
    await this.queueServerWork();
    return this.boundPorts();
  }

  boundPorts(): ReadonlyMap<number, number> {
    return new Map([...this.servers].map(([key, server]) => [key, server.boundPort]));
  }

  /** The route table a server for `key` (an IR listener port, or -1) serves right now. */
  table(key: number): ProxyTable | undefined {
    const gen = this.current;
    const router = gen.routers.get(key);
    if (!router) return undefined;
    return { router, pool: (name) => gen.pools.get(name) };
  }

  /** Clusters sorted by name, for /clusters. */
  clusters(): ClusterView[] {
    return [...this.current.pools.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((pool) => ({ name: pool.name, backend: pool.backend, health: pool.health, traffic: (key) => pool.traffic(key) }));
  }

  /** Refreshes gauges derived from health (membership_*); call before rendering stats. */
  refreshGauges(): void {
    for (const pool of this.current.pools.values()) pool.syncMembership();
  }

  /** Stops every server and every pool (health engines included). */
  async stop(): Promise<void> {
    this.listening = false;
    await this.serverWork;
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((s) => s.stop()));
    for (const pool of this.current.pools.values()) pool.close();
    this.current = { routers: new Map(), pools: new Map(), listeners: [] };
  }

  private reconcilePools(backends: readonly ir.Backend[]): Map<string, UpstreamPool> {
    const { options } = this;
    const previous = this.current.pools;
    const pools = new Map<string, UpstreamPool>();
    for (const backend of backends) {
      let pool = previous.get(backend.name);
      if (pool && pool.backend.engine !== backend.engine) {
        // Another health engine (Kong <-> Envoy) cannot take over the old one's state: start afresh.
        pool.close();
        options.stats.removePrefix(`cluster.${backend.name}.`);
        options.logger.debug('cluster engine changed', { cluster: backend.name, from: pool.backend.engine, to: backend.engine });
        pool = undefined;
      }
      if (pool) pool.update(backend);
      else {
        pool = new UpstreamPool({
          backend,
          health: options.healthFactory(backend),
          stats: options.stats,
          clock: options.clock,
          random: options.random,
          lbPolicy: options.lbPolicy,
          retry: options.retry,
          maxSocketsPerHost: options.maxSocketsPerHost,
        });
        options.logger.debug('cluster added', { cluster: backend.name, engine: backend.engine });
      }
      pools.set(backend.name, pool);
    }
    for (const [name, pool] of previous) {
      if (pools.has(name)) continue;
      pool.close();
      options.stats.removePrefix(`cluster.${name}.`);
      options.logger.debug('cluster removed', { cluster: name });
    }
    return pools;
  }

  /** Runs reconcileServers after every earlier one; the returned promise carries this run's failure. */
  private queueServerWork(): Promise<void> {
    const run = this.serverWork.then(() => (this.listening ? this.reconcileServers() : undefined));
    this.serverWork = run.catch(() => undefined);
    return run;
  }

  private async reconcileServers(): Promise<void> {
    const wanted = new Map<number, string>();
    if (this.options.proxyPort !== undefined) wanted.set(ALL, this.options.address ?? '0.0.0.0');
    else for (const l of this.current.listeners) wanted.set(l.port, l.address);
    const stops: Promise<void>[] = [];
    for (const [key, server] of this.servers) {
      if (wanted.has(key)) continue;
      this.servers.delete(key);
      stops.push(server.stop());
    }
    await Promise.all(stops);
    let failure: unknown;
    for (const [key, address] of wanted) {
      if (this.servers.has(key)) continue;
      const server = this.newServer(key);
      const port = key === ALL ? (this.options.proxyPort ?? 0) : key;
      try {
        await server.listen(address, port);
        this.servers.set(key, server);
        this.options.logger.info('proxy listening', { address, port: server.boundPort });
      } catch (err) {
        this.options.logger.error('proxy cannot listen', { address, port, err });
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private newServer(key: number): ProxyServer {
    const { clock, random, stats, logger, routeTimeoutMs } = this.options;
    const port = key === ALL ? (this.options.proxyPort ?? 0) : key;
    return new ProxyServer({
      table: () => this.table(key),
      statPrefix: `http_${port}`,
      routeTimeoutMs,
      clock,
      random,
      stats,
      logger: logger.child('proxy'),
    });
  }
}

/** The key `boundPorts()` and `table()` use for the single `--proxy-port` server. */
export const PROXY_PORT_KEY = ALL;
