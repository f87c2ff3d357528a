import { FakeClock } from '../../test/fakes/fake-clock';
import { Deadlines } from './deadlines';

describe('Deadlines', () => {
  it('fires each deadline exactly when due, from one timer per duration', () => {
    const clock = new FakeClock(0);
    const d = new Deadlines(clock);
    const fired: string[] = [];
    d.schedule(100, () => fired.push('a'));
    clock.advance(30);
    d.schedule(100, () => fired.push('b'));
    d.schedule(50, () => fired.push('c'));
    expect(clock.pendingCount).toBe(2);
    clock.advance(49);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['c']);
    clock.advance(19);
    expect(fired).toEqual(['c']);
    clock.advance(1);
    expect(fired).toEqual(['c', 'a']);
    clock.advance(29);
    expect(fired).toEqual(['c', 'a']);
    clock.advance(1);
    expect(fired).toEqual(['c', 'a', 'b']);
    expect(clock.pendingCount).toBe(0);
  });

  it('cancelled deadlines never fire; the timer goes once nothing is left', () => {
    const clock = new FakeClock(0);
    const d = new Deadlines(clock);
    const fired: string[] = [];
    const a = d.schedule(100, () => fired.push('a'));
    clock.advance(10);
    d.schedule(100, () => fired.push('b'));
    a.cancel();
    a.cancel();
    clock.advance(100);
    expect(fired).toEqual(['b']);
    const c = d.schedule(100, () => fired.push('c'));
    expect(clock.pendingCount).toBe(1);
    c.cancel();
    expect(clock.pendingCount).toBe(0);
  });

  it('a callback may schedule again; the new deadline keeps its own due time', () => {
    const clock = new FakeClock(0);
    const d = new Deadlines(clock);
    const fired: number[] = [];
    d.schedule(10, () => {
      fired.push(clock.now());
      d.schedule(10, () => fired.push(clock.now()));
    });
    d.schedule(10, () => fired.push(clock.now()));
    clock.advance(25);
    expect(fired).toEqual([10, 10, 20]);
  });
});
