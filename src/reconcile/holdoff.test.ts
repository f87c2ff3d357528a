import { FakeClock } from '../../test/fakes/fake-clock';
import { Holdoff } from './holdoff';

describe('Holdoff', () => {
  let clock: FakeClock;
  let runs: string[];
  beforeEach(() => {
    clock = new FakeClock();
    runs = [];
  });
  const act = (label: string) => () => runs.push(label);

  it('runs the action once, delayMs after a single trigger, never synchronously', () => {
    const h = new Holdoff(clock, 100, 500);
    h.trigger(act('a'));
    expect(runs).toEqual([]);
    expect(h.pending).toBe(true);
    clock.advance(99);
    expect(runs).toEqual([]);
    clock.advance(1);
    expect(runs).toEqual(['a']);
    expect(h.pending).toBe(false);
    expect(h.sequence).toBe(1);
    clock.advance(10_000);
    expect(runs).toEqual(['a']);
  });

  it('coalesces a burst into one run of the latest action, delayMs after the last trigger', () => {
    const h = new Holdoff(clock, 100, 500);
    h.trigger(act('a'));
    clock.advance(60);
    h.trigger(act('b'));
    clock.advance(60);
    h.trigger(act('c'));
    clock.advance(99);
    expect(runs).toEqual([]);
    clock.advance(1);
    expect(runs).toEqual(['c']);
    expect(h.sequence).toBe(1);
  });

  it('runs no later than maxDelayMs after the first trigger of an endless burst', () => {
    const h = new Holdoff(clock, 100, 300);
    const start = clock.now();
    const firedAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      h.trigger(() => firedAt.push(clock.now() - start));
      clock.advance(50);
    }
    expect(firedAt[0]).toBe(300);
    // each later burst starts fresh (triggers at 300, 600); the last trigger (950) fires 100 ms on
    expect(firedAt).toEqual([300, 600, 900]);
    clock.advance(1000);
    expect(firedAt).toEqual([300, 600, 900, 1050]);
  });

  it('starts a new burst after a run', () => {
    const h = new Holdoff(clock, 100, 300);
    h.trigger(act('a'));
    clock.advance(100);
    h.trigger(act('b'));
    clock.advance(100);
    expect(runs).toEqual(['a', 'b']);
  });

  it('flush runs the pending action at once; cancel drops it', () => {
    const h = new Holdoff(clock, 100, 300);
    h.flush();
    expect(runs).toEqual([]);
    h.trigger(act('a'));
    h.flush();
    expect(runs).toEqual(['a']);
    expect(clock.pendingCount).toBe(0);
    h.trigger(act('b'));
    h.cancel();
    clock.advance(1000);
    expect(runs).toEqual(['a']);
    expect(clock.pendingCount).toBe(0);
  });

  it('rejects delays out of order', () => {
    expect(() => new Holdoff(clock, 200, 100)).toThrow(RangeError);
    expect(() => new Holdoff(clock, -1, 100)).toThrow(RangeError);
  });
});
