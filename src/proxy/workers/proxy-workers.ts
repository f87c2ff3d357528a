/**
 * ProxyWorkers: the primary's side of `--proxy-workers N`. Forks N worker processes (through the
 * injected spawner: node:cluster in production, in-process fakes in tests), sends each the proxy
 * settings, every config with the current health of every cluster, and every later health change
 * (coalesced per event-loop turn); feeds the outcome batches the workers send into the primary's
 * health engines, in arrival order; gathers their stats and traffic for admin, keeping the counters
 * a dead worker last reported so that totals never go down; restarts a worker that dies. Owns no
 * health state and no route table: the primary's ProxyRuntime does.
 */
import type { Clock, TimerHandle } from '../../clock';
import type * as ir from '../../ir/types';
import type { Logger } from '../../log';
import type { ClusterHealth } from '../health/cluster-health';
import { retiredPart } from './worker-status';
import { decodeOutcome, hostHealthWire, type FromWorker, type HostHealthWire, type OutcomeBatch, type ToWorker, type TrafficTable, type WorkerSettings } from './worker-messages';

export interface WorkerEvents {
  message(message: FromWorker): void;
  exit(code: number | null, signal: string | null): void;
}

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  kill(): void;
}

export type WorkerSpawner = (events: WorkerEvents) => WorkerHandle;

/** One worker's answer to a status request. */
export interface WorkerStatus {
  readonly stats: readonly (readonly [string, 'counter' | 'gauge', number])[];
  readonly traffic: TrafficTable;
}

export interface ProxyWorkersOptions {
  readonly count: number;
  readonly spawn: WorkerSpawner;
  readonly settings: WorkerSettings;
  /** The primary runtime's clusters (their health engines), read after every apply. */
  readonly clusters: () => readonly { readonly name: string; readonly health: ClusterHealth }[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs `fn` once the current event-loop turn is done (setImmediate in production). */
  readonly defer: (fn: () => void) => void;
  /** Delay before a worker that died is started again (default 1 s). */
  readonly restartDelayMs?: number;
  /** How long status() waits for a worker (default 1 s). */
  readonly statusTimeoutMs?: number;
  /** How long stop() waits for workers to exit before killing them (default 5 s). */
  readonly stopTimeoutMs?: number;
}

interface Slot {
  readonly index: number;
  handle: WorkerHandle | undefined;
  /** Messages held until the worker says hello. */
  outbox: ToWorker[] | undefined;
  /** Settles the start() wait of this slot. */
  onListening?: (result: Error | ReadonlyMap<number, number>) => void;
  onExit?: () => void;
  restart?: TimerHandle;
  /** The worker's latest status (asked for, or sent unasked every second). */
  last?: WorkerStatus;
}

interface StatusWait {
  readonly results: WorkerStatus[];
  readonly answered: Set<Slot>;
  pending: number;
  readonly done: () => void;
}

export class ProxyWorkers {
  private readonly slots: Slot[] = [];
  private config: ir.Ir | undefined;
  private healthByName = new Map<string, ClusterHealth>();
  private readonly subscriptions = new Map<ClusterHealth, () => void>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private listenWanted = false;
  private stopping = false;
  private nextStatusId = 1;
  private readonly statusWaits = new Map<number, StatusWait>();
  /** Counters of workers that died, as they last reported them. */
  private retired: WorkerStatus[] = [];

  constructor(private readonly options: ProxyWorkersOptions) {
    for (let i = 0; i < options.count; i++) this.slots.push({ index: i, handle: undefined, outbox: undefined });
  }

  /** The primary runtime applied `next`: every worker gets it with the health of every cluster. */
  apply(next: ir.Ir): void {
    this.config = next;
    this.resubscribe();
    const message = this.configMessage(next);
    for (const slot of this.slots) this.send(slot, message);
  }

  /** Starts the workers and has them listen; resolves the bound ports (by IR listener port, or -1). */
  async start(): Promise<ReadonlyMap<number, number>> {
    this.listenWanted = true;
    const waits = this.slots.map(
      (slot) =>
        new Promise<ReadonlyMap<number, number>>((resolve, reject) => {
          slot.onListening = (result) => (result instanceof Error ? reject(result) : resolve(result));
        }),
    );
    for (const slot of this.slots) this.spawn(slot);
    const all = await Promise.all(waits);
    return all[0] ?? new Map();
  }

  /** Process ids of the running workers, in slot order. */
  pids(): (number | undefined)[] {
    return this.slots.map((s) => s.handle?.pid);
  }

  /**
   * Every live worker's stats and traffic, plus the counters of workers that died (as they last
   * reported them); a live worker that does not answer in time counts with its last report.
   */
  status(): Promise<WorkerStatus[]> {
    const live = this.slots.filter((s) => s.handle && s.outbox === undefined);
    if (live.length === 0) return Promise.resolve([...this.retired]);
    const id = this.nextStatusId++;
    return new Promise((resolve) => {
      const results: WorkerStatus[] = [];
      const answered = new Set<Slot>();
      const timer = this.options.clock.setTimeout(() => finish(), this.options.statusTimeoutMs ?? 1000);
      const finish = (): void => {
        this.options.clock.clearTimeout(timer);
        this.statusWaits.delete(id);
        for (const slot of live) if (!answered.has(slot) && slot.last) results.push(slot.last);
        resolve([...results, ...this.retired]);
      };
      this.statusWaits.set(id, { results, answered, pending: live.length, done: finish });
      for (const slot of live) this.send(slot, { type: 'status-request', id });
    });
  }

  /** Asks every worker to stop (each closes its servers and pools), kills stragglers after the timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    const exits: Promise<void>[] = [];
    for (const slot of this.slots) {
      this.options.clock.clearTimeout(slot.restart);
      slot.onListening?.(new Error('the proxy is stopping'));
      const handle = slot.handle;
      if (!handle) continue;
      exits.push(new Promise<void>((resolve) => (slot.onExit = resolve)));
      if (slot.outbox === undefined) handle.send({ type: 'stop' });
      else handle.kill();
    }
    if (exits.length === 0) return;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => (timer = this.options.clock.setTimeout(resolve, this.options.stopTimeoutMs ?? 5000)));
    await Promise.race([Promise.all(exits), timeout]);
    this.options.clock.clearTimeout(timer);
    for (const slot of this.slots) slot.handle?.kill();
  }

  private spawn(slot: Slot): void {
    slot.outbox = [];
    const handle = this.options.spawn({
      message: (m) => this.onMessage(slot, handle, m),
      exit: (code, signal) => this.onExit(slot, handle, code, signal),
    });
    slot.handle = handle;
    slot.outbox.push({ type: 'init', settings: this.options.settings });
    if (this.config) slot.outbox.push(this.configMessage(this.config));
    if (this.listenWanted) slot.outbox.push({ type: 'listen' });
  }

  private send(slot: Slot, message: ToWorker): void {
    if (!slot.handle) return;
    if (slot.outbox) {
      // Not listening to its channel yet: held, in order, until its hello.
      slot.outbox.push(message);
      return;
    }
    slot.handle.send(message);
  }

  private onMessage(slot: Slot, handle: WorkerHandle, message: FromWorker): void {
    if (slot.handle !== handle) return;
    switch (message.type) {
      case 'hello': {
        const held = slot.outbox ?? [];
        slot.outbox = undefined;
        for (const m of held) handle.send(m);
        return;
      }
      case 'listening':
        slot.onListening?.(new Map(message.ports));
        slot.onListening = undefined;
        return;
      case 'listen-failed':
        this.options.logger.error('proxy worker cannot listen', { worker: slot.index, pid: handle.pid, reason: message.message });
        slot.onListening?.(new Error(message.message));
        slot.onListening = undefined;
        return;
      case 'outcomes':
        this.applyOutcomes(message);
        return;
      case 'status': {
        const status: WorkerStatus = { stats: message.stats, traffic: message.traffic };
        slot.last = status;
        const wait = this.statusWaits.get(message.id);
        if (!wait || wait.answered.has(slot)) return;
        wait.answered.add(slot);
        wait.results.push(status);
        if (--wait.pending === 0) wait.done();
        return;
      }
    }
  }

  private onExit(slot: Slot, handle: WorkerHandle, code: number | null, signal: string | null): void {
    if (slot.handle !== handle) return;
    slot.handle = undefined;
    slot.outbox = undefined;
    if (slot.last) this.retired = [retiredPart([...this.retired, slot.last])];
    slot.last = undefined;
    const onExit = slot.onExit;
    slot.onExit = undefined;
    onExit?.();
    if (this.stopping) return;
    const reason = `proxy worker ${slot.index} (pid ${handle.pid}) exited (code ${code}, signal ${signal})`;
    slot.onListening?.(new Error(reason));
    slot.onListening = undefined;
    const delay = this.options.restartDelayMs ?? 1000;
    this.options.logger.error('proxy worker exited; starting a new one', { worker: slot.index, pid: handle.pid, code, signal, restartInMs: delay });
    slot.restart = this.options.clock.setTimeout(() => {
      slot.restart = undefined;
      if (!this.stopping) this.spawn(slot);
    }, delay);
  }

  /** Feeds a worker's outcomes into the primary's engines, in the order the worker saw them. */
  private applyOutcomes(batch: OutcomeBatch): void {
    const targets = batch.hosts.map((key) => {
      const cut = key.indexOf('\n');
      return { health: this.healthByName.get(key.slice(0, cut)), host: key.slice(cut + 1) };
    });
    const { data } = batch;
    for (let i = 0; i + 2 < data.length; i += 3) {
      const target = targets[data[i]];
      const outcome = decodeOutcome(data[i + 1], data[i + 2]);
      if (target?.health && outcome) target.health.reportResult(target.host, outcome);
    }
  }

  /** Follows the runtime's clusters: one onChange subscription per health engine. */
  private resubscribe(): void {
    const next = new Map<string, ClusterHealth>();
    for (const c of this.options.clusters()) next.set(c.name, c.health);
    const live = new Set(next.values());
    for (const [health, unsubscribe] of this.subscriptions) {
      if (live.has(health)) continue;
      unsubscribe();
      this.subscriptions.delete(health);
    }
    for (const [name, health] of next) {
      if (this.subscriptions.has(health) || !health.onChange) continue;
      this.subscriptions.set(health, health.onChange(() => this.markDirty(name)));
    }
    this.healthByName = next;
  }

  private markDirty(name: string): void {
    this.dirty.add(name);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.options.defer(() => this.flushHealth());
  }

  private flushHealth(): void {
    this.flushScheduled = false;
    if (this.dirty.size === 0 || this.stopping) return;
    const names = [...this.dirty].filter((n) => this.healthByName.has(n));
    this.dirty.clear();
    if (names.length === 0) return;
    const message: ToWorker = { type: 'health', health: this.healthTable(names) };
    for (const slot of this.slots) this.send(slot, message);
  }

  /** A config with the health of every one of its clusters as the engines see it now. */
  private configMessage(config: ir.Ir): ToWorker {
    return { type: 'config', ir: config, health: this.healthTable([...this.healthByName.keys()]) };
  }

  private healthTable(names: readonly string[]): Record<string, readonly HostHealthWire[]> {
    const table: Record<string, readonly HostHealthWire[]> = {};
    for (const name of names) {
      const health = this.healthByName.get(name);
      if (health) table[name] = health.hosts().map(hostHealthWire);
    }
    return table;
  }
}
