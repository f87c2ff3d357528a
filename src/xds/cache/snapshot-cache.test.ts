import { FakeClock } from '../../../test/fakes/fake-clock';
import { aBundle } from '../../../test/fakes/xds-fixtures';
import { silentLogger } from '../../log';
import { buildSnapshot } from '../snapshot-builder';
import { TypeUrl } from '../type-urls';
import { DEFAULT_GROUP, byCluster, byNodeId } from './node-hash';
import { SnapshotCache, type PublishedSnapshot } from './snapshot-cache';

function cache(): SnapshotCache {
  return new SnapshotCache({ clock: new FakeClock(), logger: silentLogger });
}

describe('SnapshotCache', () => {
  test('watchers get the current snapshot at once and every later one; an identical snapshot notifies nobody', () => {
    const c = cache();
    const seen: PublishedSnapshot[] = [];
    c.setSnapshot('gw', buildSnapshot(aBundle(['a'])));
    const cancel = c.watch('gw', (p) => seen.push(p));
    expect(seen.map((p) => p.id)).toEqual([1]);
    expect(c.setSnapshot('gw', buildSnapshot(aBundle(['a'])))).toEqual({ status: 'unchanged', id: 1 });
    expect(seen).toHaveLength(1);
    expect(c.setSnapshot('gw', buildSnapshot(aBundle(['a', 'b'])))).toEqual({ status: 'published', id: 2 });
    expect(seen.map((p) => [p.id, p.baseId])).toEqual([[1, undefined], [2, 1]]);
    expect([...seen[1]!.changed.get(TypeUrl.Cluster)!]).toEqual(['b']);
    cancel();
    c.setSnapshot('gw', buildSnapshot(aBundle(['c'])));
    expect(seen).toHaveLength(2);
    expect(c.watchCount()).toBe(0);
  });

  test('an inconsistent snapshot is refused and the last good one stays live', () => {
    const c = cache();
    c.setSnapshot('gw', buildSnapshot(aBundle(['a'])));
    const bad = buildSnapshot({ ...aBundle(['a', 'b']), endpoints: [] });
    const result = c.setSnapshot('gw', bad);
    expect(result.status).toBe('rejected');
    expect(c.snapshotFor('gw')!.id).toBe(1);
    expect(c.snapshotFor('gw')!.snapshot.resources(TypeUrl.Cluster).has('b')).toBe(false);
  });

  test('nodes without a group of their own are served the default group, and move when theirs appears', () => {
    const c = cache();
    const seen: string[] = [];
    c.setSnapshot(DEFAULT_GROUP, buildSnapshot(aBundle(['default'])));
    c.watch('gw', (p) => seen.push(p.group));
    c.setSnapshot('gw', buildSnapshot(aBundle(['mine'])));
    c.setSnapshot(DEFAULT_GROUP, buildSnapshot(aBundle(['default-2']))); // not mine any more
    c.clearSnapshot('gw');
    expect(seen).toEqual(['*', 'gw', '*']);
  });

  test('node hashing by cluster (default) or by id', () => {
    expect(byCluster({ id: 'pod-1', cluster: 'gateway-a' })).toBe('gateway-a');
    expect(byCluster({ id: 'pod-1', cluster: '' })).toBe(DEFAULT_GROUP);
    expect(byNodeId({ id: 'pod-1', cluster: 'gateway-a' })).toBe('pod-1');
  });

  test('a watcher that throws does not stop the others', () => {
    const c = cache();
    const seen: number[] = [];
    c.watch('gw', () => {
      throw new Error('boom');
    });
    c.watch('gw', (p) => seen.push(p.id));
    c.setSnapshot('gw', buildSnapshot(aBundle(['a'])));
    expect(seen).toEqual([1]);
  });
});
