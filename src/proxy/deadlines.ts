/**
 * Deadlines: request timeouts on the injected Clock without a timer per request. Deadlines of one
 * duration fall due in the order they were set, so each duration keeps a FIFO list and one timer
 * armed for its earliest live entry; cancelling is O(1) and only touches the timer when the list
 * empties. Receives (duration, callback) pairs; emits the callbacks when due. Never reorders them.
 */
import type { Clock, TimerHandle } from '../clock';

/** A scheduled deadline; `cancel()` is idempotent. */
export interface Deadline {
  cancel(): void;
}

class Entry implements Deadline {
  prev: Entry | undefined;
  next: Entry | undefined;
  live = true;

  constructor(
    readonly due: number,
    readonly fn: () => void,
    private readonly queue: DeadlineQueue,
  ) {}

  cancel(): void {
    if (this.live) this.queue.remove(this);
  }
}

/** Every deadline of one duration. */
class DeadlineQueue {
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private timer: TimerHandle | undefined;
  /** Set while due callbacks run (they may add entries): the timer is re-armed after them. */
  private firing = false;

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
  ) {}

  add(fn: () => void): Entry {
    const e = new Entry(this.clock.now() + this.ms, fn, this);
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    if (!this.timer && !this.firing) this.arm(e.due);
    return e;
  }

  remove(e: Entry): void {
    e.live = false;
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
    if (!this.head && this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(due: number): void {
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    this.firing = true;
    try {
      while (this.head && this.head.due <= now) {
        const e = this.head;
        this.remove(e);
        e.fn();
      }
    } finally {
      this.firing = false;
    }
    if (this.head && !this.timer) this.arm(this.head.due);
  }
}

export class Deadlines {
  private readonly queues = new Map<number, DeadlineQueue>();

  constructor(private readonly clock: Clock) {}

  /** Calls `fn` once `ms` have passed, unless cancelled first. */
  schedule(ms: number, fn: () => void): Deadline {
    let q = this.queues.get(ms);
    if (!q) {
      q = new DeadlineQueue(this.clock, ms);
      this.queues.set(ms, q);
    }
    return q.add(fn);
  }
}
