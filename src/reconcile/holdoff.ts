/**
 * Holdoff: coalesces bursts of change notifications into one run. Receives trigger() calls and
 * an injected Clock; runs the latest action `delayMs` after the last trigger, but never later
 * than `maxDelayMs` after the first trigger of a burst (Contour's holdoff). Never runs an action
 * synchronously inside trigger() and never calls the system timers directly.
 */
import type { Clock, TimerHandle } from '../clock';

export class Holdoff {
  private timer: TimerHandle | undefined;
  private firstTriggerAt: number | undefined;
  private action: (() => void) | undefined;
  private runs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly delayMs: number,
    private readonly maxDelayMs: number,
  ) {
    if (!(delayMs >= 0) || !(maxDelayMs >= delayMs)) throw new RangeError(`Holdoff: need 0 <= delayMs (${delayMs}) <= maxDelayMs (${maxDelayMs})`);
  }

  /** Schedules `action` (replacing any pending one) at the end of the current burst. */
  trigger(action: () => void): void {
    const now = this.clock.now();
    this.firstTriggerAt ??= now;
    this.action = action;
    this.clock.clearTimeout(this.timer);
    const wait = Math.min(this.delayMs, this.firstTriggerAt + this.maxDelayMs - now);
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, wait));
  }

  /** Whether an action is waiting to run. */
  get pending(): boolean {
    return this.action !== undefined;
  }

  /** How many actions have run (lets tests and callers wait for a settled state). */
  get sequence(): number {
    return this.runs;
  }

  /** Runs the pending action now, if any. */
  flush(): void {
    if (this.action) this.fire();
  }

  /** Drops the pending action without running it. */
  cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstTriggerAt = undefined;
    this.action = undefined;
  }

  private fire(): void {
    const action = this.action;
    this.cancel();
    if (!action) return;
    this.runs++;
    action();
  }
}
