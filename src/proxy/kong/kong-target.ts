/**
 * KongTarget: one Kong target address and lua-resty-healthcheck's state machine for it
 * (resources.md §2.4, §2.8): four saturating one-byte counters and four states. Receives
 * classified reports (counter kind + the limit of the section that produced it) and manual sets;
 * emits the transition it made. Never decides what a result means, never touches timers.
 */

export type KongState = 'healthy' | 'mostly_healthy' | 'unhealthy' | 'mostly_unhealthy';
export type KongCounter = 'success' | 'http' | 'tcp' | 'timeout';
/** Where a report came from: a probe, a proxied request, or an Admin API call. */
export type KongCause = 'active' | 'passive' | 'admin';

export interface KongCounters {
  readonly success: number;
  readonly http: number;
  readonly tcp: number;
  readonly timeout: number;
}

export interface KongTransition {
  readonly from: KongState;
  readonly to: KongState;
}

/** What one report did, for logging (`unhealthy HTTP increment (2/3) ...`). */
export interface KongReportEffect {
  readonly counter: KongCounter;
  readonly value: number;
  readonly limit: number;
  readonly transition?: KongTransition;
}

/** Counters are single bytes in the library's shared memory. */
export const COUNTER_MAX = 255;

export function isRoutable(state: KongState): boolean {
  return state === 'healthy' || state === 'mostly_healthy';
}

function zero(): { -readonly [K in keyof KongCounters]: number } {
  return { success: 0, http: 0, tcp: 0, timeout: 0 };
}

export class KongTarget {
  private current: KongState = 'healthy';
  private ctr = zero();
  private why: KongCause | undefined;

  /** Targets are added healthy with zeroed counters (§2.4). */
  get state(): KongState {
    return this.current;
  }

  get counters(): KongCounters {
    return { ...this.ctr };
  }

  /** What made the target unhealthy (undefined while it is routable). */
  get cause(): KongCause | undefined {
    return isRoutable(this.current) ? undefined : this.why;
  }

  get routable(): boolean {
    return isRoutable(this.current);
  }

  /**
   * Applies one report (§2.4 steps 1-6). `limit` is the section's threshold for `counter`;
   * returns undefined when the report was ignored (limit 0, or already in that full state).
   */
  report(counter: KongCounter, limit: number, cause: KongCause): KongReportEffect | undefined {
    if (limit <= 0) return undefined;
    const direction: KongState = counter === 'success' ? 'healthy' : 'unhealthy';
    if (this.current === direction) return undefined;
    const value = Math.min(COUNTER_MAX, this.ctr[counter] + 1);
    if (counter === 'success') this.ctr = { ...zero(), success: value };
    else this.ctr = { ...this.ctr, success: 0, [counter]: value };
    const next = this.nextState(direction, value >= limit);
    if (next === this.current) return { counter, value, limit };
    const transition = { from: this.current, to: next };
    this.current = next;
    if (next === 'unhealthy') this.why = cause;
    return { counter, value, limit, transition };
  }

  /** Admin API: forces the full state and zeroes every counter (§2.6, §2.8). */
  set(healthy: boolean, cause: KongCause = 'admin'): KongTransition | undefined {
    const to: KongState = healthy ? 'healthy' : 'unhealthy';
    this.ctr = zero();
    if (!healthy) this.why = cause;
    if (to === this.current) return undefined;
    const transition = { from: this.current, to };
    this.current = to;
    return transition;
  }

  private nextState(direction: KongState, reached: boolean): KongState {
    if (reached) return direction;
    const failures = this.ctr.http + this.ctr.tcp + this.ctr.timeout;
    if (this.current === 'healthy' && failures > 0) return 'mostly_healthy';
    if (this.current === 'unhealthy' && this.ctr.success > 0) return 'mostly_unhealthy';
    return this.current;
  }
}
