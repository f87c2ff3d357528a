/**
 * ProxyWorker: one proxy worker process's state (`--proxy-workers N`). Builds a ProxyRuntime whose
 * clusters mirror the primary's health (MirrorClusterHealth), applies every config the primary
 * sends, listens when told, sends request outcomes back to the primary in batches (one per
 * `outcomeFlushMs`, or sooner when a batch is full),
 * and answers status requests with its stats and per-host traffic. Transport-agnostic: receives
 * ToWorker messages, emits FromWorker ones; never decides health.
 */
import type { Clock, Random, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import type { RequestOutcome } from '../health/cluster-health';
import { ProxyRuntime } from '../runtime';
import { Stats } from '../stats';
import type { HostTraffic } from '../upstream-pool';
import { HealthBoard, MirrorClusterHealth } from './mirror-cluster-health';
import { encodeOutcome, type FromWorker, type ToWorker, type WorkerSettings } from './worker-messages';

export interface ProxyWorkerOptions {
  readonly send: (message: FromWorker) => void;
  /**
   * The longest an outcome waits before it is sent (default 2 ms): one IPC write per batch, not
   * per event-loop turn, which was a tenth of a busy worker's time. Outlier detection sees
   * failures that much later.
   */
  readonly outcomeFlushMs?: number;
  /** Called once the worker stopped on the primary's `stop`. */
  readonly exit: () => void;
  readonly clock: Clock;
  readonly random: Random;
  /** Builds the worker's logger from the primary's settings. */
  readonly logger: (settings: WorkerSettings) => Logger;
  /** How often the worker sends its stats unasked, so the primary keeps a dead worker's counts (default 1 s). */
  readonly statusIntervalMs?: number;
}

/** Outcomes per batch at most (a batch is sent when full, whatever its age). */
const MAX_BATCH = 1024;

/** Gauges the primary keeps itself (from its health engines): a worker's copies are not summed in. */
const PRIMARY_GAUGE = /\.membership_[a-z_]+$/;

export class ProxyWorker {
  readonly stats = new Stats();
  private readonly board = new HealthBoard();
  private runtime: ProxyRuntime | undefined;
  private logger: Logger | undefined;
  /** The batch being filled: `cluster\nhost` keys and their indexes, then the flat number triples. */
  private batchHosts: string[] = [];
  private batchIndex = new Map<string, number>();
  private batchData: number[] = [];
  private flushTimer: TimerHandle | undefined;
  private statusTimer: TimerHandle | undefined;
  private stopped = false;
  /** Applies run one at a time, in arrival order. */
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly options: ProxyWorkerOptions) {}

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'init':
        this.init(message.settings);
        return;
      case 'config':
        this.board.set(message.health, true);
        this.queue(async (runtime) => runtime.apply(message.ir));
        return;
      case 'health':
        this.board.set(message.health);
        return;
      case 'listen':
        this.queue(async (runtime) => {
          try {
            const ports = await runtime.listen();
            this.options.send({ type: 'listening', ports: [...ports] });
          } catch (err) {
            this.options.send({ type: 'listen-failed', message: err instanceof Error ? err.message : String(err) });
          }
        });
        return;
      case 'status-request':
        // Outcomes first: what admin then reads from the primary's engines includes them.
        this.flush();
        this.sendStatus(message.id);
        return;
      case 'stop':
        this.stopped = true;
        this.options.clock.clearTimeout(this.statusTimer);
        this.queue(async (runtime) => {
          this.flush();
          await runtime.stop();
        }).finally(() => this.options.exit());
        return;
    }
  }

  private init(settings: WorkerSettings): void {
    if (this.runtime) return;
    const { clock, random } = this.options;
    const logger = (this.logger = this.options.logger(settings));
    this.runtime = new ProxyRuntime({
      clock,
      random,
      stats: this.stats,
      logger,
      healthFactory: (backend) => new MirrorClusterHealth(backend, this.board, (cluster, host, outcome) => this.report(cluster, host, outcome)),
      proxyPort: settings.proxyPort,
      address: settings.address,
      lbPolicy: settings.lbPolicy,
      retry: settings.retry,
      routeTimeoutMs: settings.routeTimeoutMs,
      maxSocketsPerHost: settings.maxSocketsPerHost,
    });
    this.scheduleStatus();
  }

  /** Status id 0: sent unasked, every statusIntervalMs. */
  private scheduleStatus(): void {
    if (this.stopped) return;
    this.statusTimer = this.options.clock.setTimeout(() => {
      this.sendStatus(0);
      this.scheduleStatus();
    }, this.options.statusIntervalMs ?? 1000);
  }

  private sendStatus(id: number): void {
    this.options.send({ type: 'status', id, stats: this.ownStats(), traffic: this.traffic() });
  }

  private queue(step: (runtime: ProxyRuntime) => Promise<void>): Promise<void> {
    const run = this.work.then(async () => {
      if (!this.runtime) throw new Error('proxy worker: a message arrived before init');
      await step(this.runtime);
    });
    this.work = run.catch((err: unknown) => this.logger?.error('proxy worker step failed', { err }));
    return this.work;
  }

  private report(cluster: string, host: string, outcome: RequestOutcome): void {
    const key = `${cluster}\n${host}`;
    let index = this.batchIndex.get(key);
    if (index === undefined) {
      index = this.batchHosts.push(key) - 1;
      this.batchIndex.set(key, index);
    }
    this.batchData.push(index, encodeOutcome(outcome), outcome.type === 'response' ? outcome.latencyMs : 0);
    if (this.batchData.length >= MAX_BATCH * 3) this.flush();
    else this.flushTimer ??= this.options.clock.setTimeout(() => this.flush(), this.options.outcomeFlushMs ?? 2);
  }

  private flush(): void {
    this.options.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batchData.length === 0) return;
    const batch: FromWorker = { type: 'outcomes', hosts: this.batchHosts, data: this.batchData };
    this.batchHosts = [];
    this.batchIndex = new Map();
    this.batchData = [];
    this.options.send(batch);
  }

  private ownStats(): [string, 'counter' | 'gauge', number][] {
    return this.stats
      .all()
      .filter((s) => !(s.kind === 'gauge' && PRIMARY_GAUGE.test(s.name)))
      .map((s) => [s.name, s.kind, s.value]);
  }

  private traffic(): Record<string, Record<string, HostTraffic>> {
    const out: Record<string, Record<string, HostTraffic>> = {};
    for (const view of this.runtime?.clusters() ?? []) {
      const hosts: Record<string, HostTraffic> = {};
      for (const h of view.health.hosts()) hosts[h.key] = view.traffic(h.key);
      out[view.name] = hosts;
    }
    return out;
  }
}
