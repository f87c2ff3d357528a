/**
 * FakeClock and FakeRandom: deterministic time for tests. advance(ms) runs every due timer
 * synchronously, in due-time order (ties in creation order), including timers scheduled by timers.
 */
import type { Clock, Random, TimerHandle } from '../../src/clock';

interface Pending {
  readonly handle: TimerHandle;
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: ++this.seq };
    this.pending.set(handle.id, { handle, due: this.current + Math.max(0, ms), seq: handle.id, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.pending.delete(handle.id);
  }

  /** Number of timers not yet run. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Number of timers due within `ms` from now. */
  pendingWithin(ms: number): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.due <= this.current + ms) n++;
    return n;
  }

  /** Moves time forward by ms, running every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue();
      if (!next || next.due > target) break;
      this.pending.delete(next.handle.id);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }

  private nextDue(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) {
      if (!best || p.due < best.due || (p.due === best.due && p.seq < best.seq)) best = p;
    }
    return best;
  }
}

/** Returns the given values in turn (cycling), default 0.5. */
export class FakeRandom implements Random {
  private i = 0;
  constructor(private readonly values: readonly number[] = [0.5]) {}
  next(): number {
    const v = this.values[this.i % this.values.length] ?? 0.5;
    this.i++;
    return v;
  }
}

/**
 * A deterministic pseudo-random sequence in [0, 1) (mulberry32): the same seed walks the same
 * values on every run. For tests that want many varied but repeatable draws.
 */
export function seededNumbers(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** seededNumbers as an injectable Random. */
export function seededRandom(seed: number): Random {
  return { next: seededNumbers(seed) };
}
