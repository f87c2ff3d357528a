/**
 * KongActiveChecker: the active side of one Kong health checker (resources.md §2.4). Two
 * independent rounds, one for targets currently routable (`healthy.interval`) and one for the
 * others (`unhealthy.interval`, 0 = that round is off); the first round runs one full interval
 * after start. A round splits its targets into `concurrency` packages probed in parallel, each
 * sequentially. Receives targets and a Prober; emits raw probe results. Never classifies them.
 */
import type { Clock, TimerHandle } from '../../clock';
import type * as ir from '../../ir/types';
import type { ProbeHandle, ProbeResult, Prober, ProbeTarget } from '../health/prober';
import { probeTimeoutMs } from './kong-probers';

export type KongSide = 'healthy' | 'unhealthy';

export interface KongProbeItem {
  readonly key: string;
  readonly target: ProbeTarget;
}

export interface KongActiveCheckerOptions {
  readonly active: ir.KongActiveSettings;
  readonly clock: Clock;
  readonly prober: Prober;
  /** The targets a round of `side` probes, read when the round starts. */
  readonly select: (side: KongSide) => readonly KongProbeItem[];
  /** Whether a target is still in the upstream when its turn in a package comes. */
  readonly present: (key: string) => boolean;
  readonly report: (key: string, result: ProbeResult) => void;
}

interface SideState {
  readonly intervalMs: number;
  lastRun: number;
  timer: TimerHandle | undefined;
  /** Packages of the current round still probing. */
  running: number;
}

/** Round-robin split into at most `concurrency` packages, as the library builds its work packages. */
export function workPackages<T>(items: readonly T[], concurrency: number): T[][] {
  const n = Math.max(1, Math.floor(concurrency));
  const packages: T[][] = [];
  items.forEach((item, i) => {
    const p = packages[i % n] ?? [];
    p.push(item);
    packages[i % n] = p;
  });
  return packages;
}

export class KongActiveChecker {
  private readonly sides: Record<KongSide, SideState>;
  private readonly inFlight = new Set<ProbeHandle>();
  private stopped = false;

  constructor(private readonly o: KongActiveCheckerOptions) {
    const now = o.clock.now();
    this.sides = {
      healthy: { intervalMs: o.active.healthy.intervalMs, lastRun: now, timer: undefined, running: 0 },
      unhealthy: { intervalMs: o.active.unhealthy.intervalMs, lastRun: now, timer: undefined, running: 0 },
    };
    this.schedule('healthy');
    this.schedule('unhealthy');
  }

  /** Probes in flight right now (for tests and diagnostics). */
  get probing(): number {
    return this.inFlight.size;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const side of ['healthy', 'unhealthy'] as const) this.o.clock.clearTimeout(this.sides[side].timer);
    for (const h of [...this.inFlight]) h.cancel();
    this.inFlight.clear();
  }

  private schedule(side: KongSide): void {
    const s = this.sides[side];
    if (s.intervalMs <= 0 || this.stopped) return;
    const delay = s.lastRun + s.intervalMs - this.o.clock.now();
    s.timer = this.o.clock.setTimeout(() => this.round(side), delay);
  }

  /** One round: a round still probing when the next is due makes that next round a no-op. */
  private round(side: KongSide): void {
    const s = this.sides[side];
    s.timer = undefined;
    s.lastRun = this.o.clock.now();
    this.schedule(side);
    if (s.running > 0) return;
    const packages = workPackages(this.o.select(side), this.o.active.concurrency);
    s.running = packages.length;
    for (const p of packages) this.probeFrom(s, p, 0);
  }

  private probeFrom(s: SideState, items: readonly KongProbeItem[], index: number): void {
    if (this.stopped) return;
    let i = index;
    while (i < items.length && !this.o.present((items[i] as KongProbeItem).key)) i++;
    const item = items[i];
    if (!item) {
      s.running--;
      return;
    }
    const holder: { handle?: ProbeHandle } = {};
    let finished = false;
    holder.handle = this.o.prober.probe(item.target, probeTimeoutMs(this.o.active), (result) => {
      finished = true;
      if (holder.handle) this.inFlight.delete(holder.handle);
      if (this.stopped) return;
      this.o.report(item.key, result);
      this.probeFrom(s, items, i + 1);
    });
    if (!finished) this.inFlight.add(holder.handle);
  }
}
