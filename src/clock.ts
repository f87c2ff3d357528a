/**
 * Time and randomness, injected. Owns the only references to the system timers, Date.now and
 * Math.random in src/; everything else receives a Clock and a Random so tests can drive them
 * (test/fakes/fake-clock.ts). System timers are unref'd so they never keep the process alive.
 */
import { randomUUID } from 'node:crypto';

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock for the system clock, fake time in tests). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A random RFC 4122 version-4 UUID, when the source has a cheaper one than 16 `next()` draws. */
  uuid?(): string;
}

class SystemTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly timer: NodeJS.Timeout,
  ) {}
}

let nextTimerId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return new SystemTimer(nextTimerId++, timer);
  },
  clearTimeout(handle) {
    if (handle instanceof SystemTimer) clearTimeout(handle.timer);
  },
};

export const systemRandom: Random = { next: () => Math.random(), uuid: () => randomUUID() };
