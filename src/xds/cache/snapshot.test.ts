import { aBundle, anApiListener, anEdsCluster } from '../../../test/fakes/xds-fixtures';
import { buildSnapshot } from '../snapshot-builder';
import { TypeUrl } from '../type-urls';
import { Snapshot } from './snapshot';

describe('Snapshot', () => {
  test('per-resource versions are content hashes: equal content, equal versions; any change, a new one', () => {
    const a = buildSnapshot(aBundle(['x', 'y']));
    const b = buildSnapshot(aBundle(['x', 'y']));
    expect(a.get(TypeUrl.Cluster, 'x')!.version).toBe(b.get(TypeUrl.Cluster, 'x')!.version);
    for (const t of [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route]) expect(a.version(t)).toBe(b.version(t));
    const c = buildSnapshot({ ...aBundle(['x', 'y']), clusters: [anEdsCluster('x', { connect_timeout: { seconds: 2 } }), anEdsCluster('y')] });
    expect(c.get(TypeUrl.Cluster, 'x')!.version).not.toBe(a.get(TypeUrl.Cluster, 'x')!.version);
    expect(c.get(TypeUrl.Cluster, 'y')!.version).toBe(a.get(TypeUrl.Cluster, 'y')!.version);
    expect(c.version(TypeUrl.Cluster)).not.toBe(a.version(TypeUrl.Cluster));
    expect(c.version(TypeUrl.Endpoint)).toBe(a.version(TypeUrl.Endpoint));
  });

  test('input order does not matter', () => {
    const bundle = aBundle(['x', 'y', 'z']);
    const reversed = { ...bundle, clusters: [...bundle.clusters].reverse(), endpoints: [...bundle.endpoints].reverse() };
    expect(buildSnapshot(reversed).version(TypeUrl.Cluster)).toBe(buildSnapshot(bundle).version(TypeUrl.Cluster));
  });

  test('consistency: a cluster whose EDS name is missing, or a listener whose RDS name is missing, is reported', () => {
    expect(buildSnapshot(aBundle(['x'])).checkConsistent()).toEqual([]);
    const bundle = aBundle(['x']);
    const broken = buildSnapshot({ ...bundle, endpoints: [], listeners: [...bundle.listeners, anApiListener('other', 'nowhere')] });
    expect(broken.checkConsistent()).toEqual([
      'x references ClusterLoadAssignment "x", which the snapshot does not contain',
      'other references RouteConfiguration "nowhere", which the snapshot does not contain',
    ]);
  });

  test('a cluster with an EDS service_name references that name', () => {
    const s = buildSnapshot({ ...aBundle([]), routes: [], listeners: [], clusters: [anEdsCluster('c', { eds_cluster_config: { eds_config: { ads: {} }, service_name: 'svc' } })] });
    expect(s.get(TypeUrl.Cluster, 'c')!.references).toEqual(['svc']);
  });

  test('duplicate names in one type are refused', () => {
    expect(() => new Snapshot({ [TypeUrl.Cluster]: [{ name: 'x', bytes: new Uint8Array() }, { name: 'x', bytes: new Uint8Array([1]) }] })).toThrow(/duplicate/);
  });

  test('changesSince lists added, changed and removed names per type', () => {
    const before = buildSnapshot(aBundle(['x', 'y']));
    const after = buildSnapshot({ ...aBundle(['y', 'z']), clusters: [anEdsCluster('y', { connect_timeout: { seconds: 5 } }), anEdsCluster('z')] });
    const changes = after.changesSince(before);
    expect([...changes.get(TypeUrl.Cluster)!].sort()).toEqual(['x', 'y', 'z']);
    expect([...changes.get(TypeUrl.Endpoint)!].sort()).toEqual(['x', 'z']);
    expect([...changes.get(TypeUrl.Listener)!]).toEqual([]);
  });
});
