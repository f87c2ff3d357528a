import { aBundle } from '../../../test/fakes/xds-fixtures';
import { SotwHarness, DeltaHarness } from '../../../test/fakes/fake-ads-stream';
import { buildSnapshot } from '../snapshot-builder';
import { TypeUrl } from '../type-urls';
import { HeldResources } from './held-resources';

const EDS = TypeUrl.Endpoint;

describe('HeldResources', () => {
  const snapshot = buildSnapshot(aBundle(['a', 'b', 'c']));
  const resources = snapshot.resources(EDS);

  test('after a rebase the client holds what it tracks of the snapshot, with no per-name state', () => {
    const tracked = new Set(['a', 'b']);
    const held = new HeldResources<string>((n) => tracked.has(n), (e) => e.version);
    held.set('stray', 'v0');
    held.rebase(resources);
    expect(held.overrideCount()).toBe(0);
    expect([...held.keys()].sort()).toEqual(['a', 'b']);
    expect(held.get('a')).toBe(resources.get('a')!.version);
    expect(held.get('c')).toBeUndefined();
    expect(held.get('stray')).toBeUndefined();
  });

  test('overrides win over the base; delete hides a base name; materialize freezes before tracking changes', () => {
    const tracked = new Set(['a', 'b']);
    const held = new HeldResources<string>((n) => tracked.has(n), (e) => e.version);
    held.rebase(resources);
    held.set('a', 'new');
    held.delete('b');
    expect(held.get('a')).toBe('new');
    expect(held.has('b')).toBe(false);
    held.materialize();
    tracked.add('c'); // tracking c does not mean holding it
    expect(held.has('c')).toBe(false);
    expect([...held.entries()]).toEqual([['a', 'new']]);
  });
});

describe('streams in step with the snapshot keep no per-name state', () => {
  test('SotW: after convergence and a change, nothing is retained per name', () => {
    const h = new SotwHarness();
    h.publish(aBundle(['a', 'b', 'c']));
    h.request({ node: { id: 'e', cluster: 'gw' }, type_url: TypeUrl.Cluster });
    const [cds] = h.replies();
    h.ack(cds!, []);
    h.request({ type_url: EDS, resource_names: ['a', 'b', 'c'] });
    const [eds] = h.replies();
    h.ack(eds!, ['a', 'b', 'c']);
    expect(h.stream.retainedNames()).toBe(0);
    h.publish(aBundle(['a', 'b', 'c'], [9999]));
    expect(h.replies().map((r) => r.names)).toEqual([['a', 'b', 'c']]);
    expect(h.stream.retainedNames()).toBe(0);
  });

  test('delta: the same', () => {
    const h = new DeltaHarness();
    h.publish(aBundle(['a', 'b']));
    h.request({ node: { id: 'e', cluster: 'gw' }, type_url: TypeUrl.Cluster });
    h.request({ type_url: EDS, resource_names_subscribe: ['a', 'b'] });
    h.replies();
    expect(h.stream.retainedNames()).toBe(0);
    h.publish(aBundle(['a', 'b'], [9999]));
    expect(h.replies().map((r) => r.names)).toEqual([['a', 'b']]);
    expect(h.stream.retainedNames()).toBe(0);
  });
});
