import { silentLogger } from '../../log';
import type { AnyResource } from '../../model/resources';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeApiServer } from '../../../test/k8s/fake-api-server';
import { kubeConfigFor } from '../../../test/k8s/kube-config';
import { storeUntil, until } from '../../../test/k8s/waits';
import { ResourceStore, type StoreState } from '../store';
import { KubeHttpApi } from './api-client';
import { KubernetesSource, type KubernetesSourceOptions } from './source';

type Obj = Record<string, unknown>;

const service = (name: string, port = 80, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { ports: [{ name: 'http', port }] },
});
const slice = (name: string, svc: string, ip: string): Obj => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080 }],
});
const upstream = (name: string, svc: string): Obj => ({
  apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', metadata: { name, namespace: 'default' }, spec: { kube: { serviceName: svc, serviceNamespace: 'default', servicePort: 80 } },
});

/** Resolves once the stand-in holds an open watch of `kind`. */
const watching = (server: FakeApiServer, kind: string): Promise<void> =>
  until((fn) => {
    server.on('watch', fn);
    return () => server.off('watch', fn);
  }, () => server.watchCount(kind) > 0, `a watch of ${kind}`);
const names = (s: StoreState, kind: string): string[] => s.objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
const find = (s: StoreState, kind: string, name: string): AnyResource | undefined => s.objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('KubernetesSource against the stand-in API server', () => {
  let server: FakeApiServer;
  let source: KubernetesSource | undefined;
  let store: ResourceStore;
  let clock: FakeClock;

  beforeEach(async () => {
    server = await FakeApiServer.start();
    store = new ResourceStore();
    clock = new FakeClock();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await server.close();
  });

  const start = async (extra: Partial<KubernetesSourceOptions> = {}): Promise<KubernetesSource> => {
    const config = kubeConfigFor(server.url);
    source = new KubernetesSource({
      config, api: new KubeHttpApi(config, 5000), namespaces: [], clock, random: new FakeRandom(), logger: silentLogger,
      timing: { minWatchIntervalMs: 0, backoffMs: 1000, maxBackoffMs: 8000, missingRetryMs: 30_000, pageSize: 2 }, ...extra,
    });
    await source.start(store);
    return source;
  };
  const stateChange = (s: KubernetesSource) => (fn: () => void) => s.onInformerState(fn);

  it('lists every kind in pages and hands the decoded objects to the store', async () => {
    for (const n of ['a', 'b', 'c']) server.apply(service(n));
    server.apply(upstream('u', 'a'));
    server.apply(slice('a-1', 'a', '10.0.0.1'));
    await start();
    const state = store.state();
    expect(names(state, 'Upstream')).toEqual(['u']);
    expect(names(state, 'Service')).toEqual(['a']); // b and c: nothing refers to them
    expect(find(state, 'Service', 'a')?.apiVersion).toBe('v1'); // list items of built-in kinds carry no apiVersion/kind
    expect(find(state, 'EndpointSlice', 'a-1')?.spec).toMatchObject({ addressType: 'IPv4' });
    const lists = server.requests.filter((r) => r.path === '/api/v1/services' && r.query.watch === undefined);
    expect(lists.map((r) => r.query.continue !== undefined)).toEqual([false, true]); // 3 Services in pages of 2
    const watches = server.requests.filter((r) => r.query.watch === 'true');
    expect(watches.every((r) => r.query.allowWatchBookmarks === 'true' && Number(r.query.timeoutSeconds) >= 300)).toBe(true);
    expect(source?.readiness()).toEqual({ synced: true, notes: [] });
  });

  it('propagates updates and deletes, and publishes nothing for a status-only change', async () => {
    server.apply(service('a'));
    server.apply(upstream('u', 'a'));
    await start();
    const published = source?.publishCount ?? 0;
    const version = store.state().version;
    server.apply({ ...upstream('u', 'a'), status: { statuses: { hp: { state: 'Accepted' } } } });
    server.apply(upstream('v', 'a'));
    await storeUntil(store, (s) => names(s, 'Upstream').length === 2, 'upstream v');
    expect(store.state().version).toBe(version + 1);
    expect(source?.publishCount).toBe(published + 1);
    server.apply({ ...upstream('v', 'a'), spec: { kube: { serviceName: 'a', servicePort: 81 } } });
    await storeUntil(store, (s) => (find(s, 'Upstream', 'v')?.spec as { kube: { servicePort: number } }).kube.servicePort === 81, 'the update of v');
    server.remove('Upstream', 'default', 'u');
    await storeUntil(store, (s) => names(s, 'Upstream').join() === 'v', 'the delete of u');
  });

  it('ignores EndpointSlices of Services nothing refers to, and picks them up once something does', async () => {
    server.apply(service('used'));
    server.apply(service('idle'));
    server.apply(upstream('u', 'used'));
    await start();
    const published = source?.publishCount ?? 0;
    server.apply(slice('idle-1', 'idle', '10.0.0.9'));
    server.apply(service('idle', 81));
    server.apply(slice('used-1', 'used', '10.0.0.1'));
    await storeUntil(store, (s) => names(s, 'EndpointSlice').join() === 'used-1', 'the used slice');
    expect(source?.publishCount).toBe(published + 1);
    server.apply(upstream('w', 'idle'));
    const s = await storeUntil(store, (x) => names(x, 'EndpointSlice').length === 2, 'the idle slice once referenced');
    expect(names(s, 'Service')).toEqual(['idle', 'used']);
  });

  it('patches endpoint changes into the last bundle, and rebuilds it when relevance moves', async () => {
    for (const n of ['a', 'b']) {
      server.apply(service(n));
      server.apply(slice(`${n}-1`, n, '10.0.0.1'));
    }
    server.apply(upstream('u', 'a'));
    await start();
    const ip = (s: StoreState, name: string): unknown => (find(s, 'EndpointSlice', name)?.spec as { endpoints: { addresses: string[] }[] } | undefined)?.endpoints[0]?.addresses[0];
    const order = (s: StoreState): string[] => s.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    const before = order(store.state());
    server.apply(slice('a-1', 'a', '10.0.0.2')); // endpoints only: patched in place, same order
    let s = await storeUntil(store, (x) => ip(x, 'a-1') === '10.0.0.2', 'the moved endpoint');
    expect(order(s)).toEqual(before);
    server.apply(upstream('u', 'b')); // relevance moves from a to b: rebuilt
    s = await storeUntil(store, (x) => names(x, 'EndpointSlice').join() === 'b-1', 'the slice of b');
    expect(names(s, 'Service')).toEqual(['b']);
    const published = source?.publishCount ?? 0;
    server.apply(slice('a-1', 'a', '10.0.0.3')); // a is irrelevant now: nothing to publish
    server.apply(slice('b-1', 'b', '10.0.0.4'));
    s = await storeUntil(store, (x) => ip(x, 'b-1') === '10.0.0.4', 'the moved endpoint of b');
    expect([names(s, 'EndpointSlice'), source?.publishCount]).toEqual([['b-1'], published + 1]);
    server.apply({ ...slice('b-1', 'b', '10.0.0.4'), metadata: { name: 'b-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'a' } } }); // now a's slice: dropped
    await storeUntil(store, (x) => names(x, 'EndpointSlice').length === 0, 'the relabelled slice to leave');
  });

  it('resumes a watch cut in the middle of an event without losing or repeating anything', async () => {
    server.apply(service('a'));
    server.apply(upstream('u', 'a'));
    await start();
    await watching(server, 'Upstream');
    const reconnected = server.nextWatch('Upstream');
    expect(server.dropWatches({ kind: 'Upstream', midLine: true })).toBe(1);
    server.apply(upstream('v', 'a')); // while no watch is open
    server.remove('Upstream', 'default', 'u');
    const rv = await reconnected;
    expect(Number(rv)).toBeGreaterThan(0); // resumed from a resourceVersion: no relist
    await storeUntil(store, (s) => names(s, 'Upstream').join() === 'v', 'the changes made while disconnected');
    expect(source?.stats()['Upstream']).toMatchObject({ lists: 1, relists: 0 });
  });

  it.each(['event', 'status'] as const)('relists after 410 Gone (as %s), dropping what was deleted meanwhile', async (goneAs) => {
    server.setGoneAs(goneAs);
    server.apply(service('a'));
    server.apply(upstream('u', 'a'));
    server.apply(upstream('v', 'a'));
    await start();
    server.dropWatches({ kind: 'Upstream' }); // the informer reconnects from its resourceVersion...
    server.remove('Upstream', 'default', 'u');
    server.apply(upstream('w', 'a'));
    server.compact(); // ...which is now too old
    await storeUntil(store, (s) => names(s, 'Upstream').join() === 'v,w', 'the relisted upstreams');
    expect(source?.stats()['Upstream']?.relists).toBe(1);
  });

  it('keeps serving while the API server is away and catches up when it is back', async () => {
    server.apply(service('a'));
    server.apply(upstream('u', 'a'));
    const s = await start();
    await server.goAway();
    await until(stateChange(s), () => Object.values(s.stats()).every((x) => x.state === 'failing'), 'every informer to fail');
    expect(names(store.state(), 'Upstream')).toEqual(['u']);
    await server.comeBack();
    server.apply(upstream('v', 'a'));
    clock.advance(8000);
    await storeUntil(store, (x) => names(x, 'Upstream').join() === 'u,v', 'the upstream created while away');
    await until(stateChange(s), () => s.readiness().notes.length === 0, 'every informer to watch again');
  });

  it('reports a missing CRD, keeps the other kinds working, and watches the kind once installed', async () => {
    server.setInstalled('Upstream', false);
    server.apply(service('a', 80, { 'konghq.com/upstream-policy': 'p' }));
    const s = await start();
    expect(names(store.state(), 'Service')).toEqual(['a']);
    expect(s.readiness().synced).toBe(true);
    expect(s.readiness().notes).toEqual([expect.stringMatching(/^Upstream: the upstreams.gloo.solo.io CRD \(gloo.solo.io\/v1\) is not installed/)]);
    server.setInstalled('Upstream', true);
    server.apply(upstream('u', 'a'));
    clock.advance(30_000);
    await storeUntil(store, (x) => names(x, 'Upstream').join() === 'u', 'the upstream once its CRD exists');
    expect(s.readiness().notes).toEqual([]);
  });

  it('watches only the namespaces given', async () => {
    server.apply(upstream('u', 'a'));
    server.apply({ ...upstream('x', 'a'), metadata: { name: 'x', namespace: 'other' } });
    await start({ namespaces: ['default'] });
    expect(names(store.state(), 'Upstream')).toEqual(['u']);
    const paths = new Set(server.requests.map((r) => r.path));
    expect(paths.has('/apis/gloo.solo.io/v1/namespaces/default/upstreams')).toBe(true);
    expect(paths.has('/apis/gloo.solo.io/v1/upstreams')).toBe(false);
    expect(paths.has('/apis/gateway.networking.k8s.io/v1/gatewayclasses')).toBe(true); // cluster-scoped
  });

  it('reports an object the API server accepted but healthplane cannot decode, without blocking the others', async () => {
    server.apply({ ...upstream('bad', 'a'), spec: { kube: { serviceName: 42 } } });
    server.apply(upstream('good', 'a'));
    await start();
    const state = store.state();
    expect(names(state, 'Upstream')).toEqual(['good']);
    expect(state.problems).toEqual([expect.objectContaining({ severity: 'error', ref: { kind: 'Upstream', namespace: 'default', name: 'bad' }, path: 'spec.kube.serviceName' })]);
  });
});
