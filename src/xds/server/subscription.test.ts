import { TypeUrl } from '../type-urls';
import { Subscription, changed } from './subscription';

describe('Subscription', () => {
  test("SotW: the spec's worked example ([] -> wildcard, [*,A] -> wildcard + A, [A] -> A, [] -> nothing)", () => {
    const s = new Subscription(TypeUrl.Cluster, { legacyWildcard: true });
    s.replaceAll([]);
    expect([s.isWildcard(), [...s.explicitNames()]]).toEqual([true, []]);
    s.replaceAll(['*', 'A']);
    expect([s.isWildcard(), [...s.explicitNames()]]).toEqual([true, ['A']]);
    s.replaceAll(['A']);
    expect([s.isWildcard(), [...s.explicitNames()]]).toEqual([false, ['A']]);
    s.replaceAll([]);
    expect([s.isWildcard(), [...s.explicitNames()]]).toEqual([false, []]);
  });

  test("delta: the spec's worked example (first empty -> wildcard, +A, -*, -A)", () => {
    const s = new Subscription(TypeUrl.Listener, { legacyWildcard: true });
    s.update([], [], true);
    expect(s.isWildcard()).toBe(true);
    s.update(['A'], [], false);
    expect(s.describe()).toEqual(['*', 'A']);
    s.update([], ['*'], false);
    expect(s.describe()).toEqual(['A']);
    s.update([], ['A'], false);
    expect(s.describe()).toEqual([]);
  });

  test('no legacy wildcard for EDS/RDS, nor when disabled (gRPC clients)', () => {
    const eds = new Subscription(TypeUrl.Endpoint, { legacyWildcard: true });
    eds.replaceAll([]);
    expect(eds.isWildcard()).toBe(false);
    const grpc = new Subscription(TypeUrl.Cluster, { legacyWildcard: false });
    grpc.replaceAll([]);
    expect(grpc.isWildcard()).toBe(false);
  });

  test('an ACK repeating the same list is no change; a reordered or different list is compared by content', () => {
    const s = new Subscription(TypeUrl.Endpoint, { legacyWildcard: true });
    expect(s.replaceAll(['a', 'b']).added).toEqual(['a', 'b']);
    expect(changed(s.replaceAll(['a', 'b']))).toBe(false);
    expect(changed(s.replaceAll(['b', 'a']))).toBe(false);
    expect(s.replaceAll(['b', 'c'])).toEqual({ added: ['c'], removed: ['a'], wildcardChanged: false });
  });
});
