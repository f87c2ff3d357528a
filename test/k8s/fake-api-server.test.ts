import { FakeApiServer } from './fake-api-server';
import { httpJson, WatchReader } from './http-json';

const svc = (name: string, port = 80): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port }] } });
const upstream = (name: string): Record<string, unknown> => ({ apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', metadata: { name, namespace: 'default' }, spec: { static: { hosts: [{ addr: '10.0.0.1', port: 80 }] } } });

describe('the stand-in API server', () => {
  let server: FakeApiServer;
  const readers: WatchReader[] = [];
  beforeEach(async () => {
    server = await FakeApiServer.start({ missing: ['KongUpstreamPolicy'] });
  });
  afterEach(async () => {
    readers.splice(0).forEach((r) => r.close());
    await server.close();
  });
  const watch = (path: string): WatchReader => {
    const r = new WatchReader(server.url + path);
    readers.push(r);
    return r;
  };

  it('lists in pages with a continue token, all pages at the first page\'s resourceVersion', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) server.apply(svc(n));
    const first = await httpJson(`${server.url}/api/v1/services?limit=2`);
    const meta = first.body.metadata as { resourceVersion: string; continue: string; remainingItemCount: number };
    expect(first.body.kind).toBe('ServiceList');
    expect((first.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(meta.remainingItemCount).toBe(3);
    server.apply(svc('f'));
    const second = await httpJson(`${server.url}/api/v1/services?limit=2&continue=${meta.continue}`);
    expect((second.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['c', 'd']);
    expect((second.body.metadata as { resourceVersion: string }).resourceVersion).toBe(meta.resourceVersion);
    const token = (second.body.metadata as { continue: string }).continue;
    const last = await httpJson(`${server.url}/api/v1/services?limit=2&continue=${token}`);
    expect((last.body.items as unknown[]).length).toBe(1);
    expect((last.body.metadata as { continue?: string }).continue).toBeUndefined();
  });

  it('leaves apiVersion/kind out of built-in list items but not out of custom resources', async () => {
    server.apply(svc('a'));
    server.apply(upstream('u'));
    const core = await httpJson(`${server.url}/api/v1/namespaces/default/services`);
    expect((core.body.items as Record<string, unknown>[])[0]?.kind).toBeUndefined();
    const crd = await httpJson(`${server.url}/apis/gloo.solo.io/v1/upstreams`);
    expect((crd.body.items as Record<string, unknown>[])[0]?.kind).toBe('Upstream');
  });

  it('streams watch events from a resourceVersion, then live, with bookmarks when allowed', async () => {
    server.apply(svc('a'));
    const rv = server.store.resourceVersion;
    server.apply(svc('b'));
    const w = watch(`/api/v1/namespaces/default/services?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    expect((await w.next())?.object.metadata?.name).toBe('b');
    server.apply(svc('a', 81));
    const modified = await w.next();
    expect(modified?.type).toBe('MODIFIED');
    server.remove('Service', 'default', 'b');
    expect((await w.next())?.type).toBe('DELETED');
    server.bookmark();
    const bookmark = await w.next();
    expect(bookmark?.type).toBe('BOOKMARK');
    expect(bookmark?.object.metadata?.resourceVersion).toBe(String(server.store.resourceVersion));
  });

  it('answers a watch from a compacted resourceVersion with a 410 ERROR event, or HTTP 410', async () => {
    server.apply(svc('a'));
    const old = server.store.resourceVersion - 1;
    server.compact();
    const w = watch(`/api/v1/services?watch=true&resourceVersion=${old}`);
    const e = await w.next();
    expect(e?.type).toBe('ERROR');
    expect(e?.object.code).toBe(410);
    expect(await w.next()).toBeUndefined();
    server.setGoneAs('status');
    const answer = await httpJson(`${server.url}/api/v1/services?watch=true&resourceVersion=${old}`);
    expect(answer.status).toBe(410);
  });

  it('ends live watches with 410 on expireWatches and cuts them on dropWatches', async () => {
    const w1 = watch(`/api/v1/services?watch=true&resourceVersion=${server.store.resourceVersion}`);
    await server.nextWatch('Service');
    server.expireWatches();
    expect((await w1.next())?.object.code).toBe(410);
    expect(await w1.next()).toBeUndefined();
    const w2 = watch(`/api/v1/services?watch=true&resourceVersion=${server.store.resourceVersion}`);
    await server.nextWatch('Service');
    expect(server.dropWatches({ midLine: true })).toBe(1);
    expect(await w2.next()).toBeUndefined();
  });

  it('refuses stale writes with 409 and keeps the status out of main-resource writes', async () => {
    server.apply(upstream('u'));
    const current = server.get('Upstream', 'default', 'u') as { metadata: { resourceVersion: string; generation: number } };
    const path = `${server.url}/apis/gloo.solo.io/v1/namespaces/default/upstreams/u`;
    const status = await httpJson(`${path}/status`, 'PATCH', { metadata: { resourceVersion: current.metadata.resourceVersion }, status: { statuses: { hp: { state: 'Accepted' } } } }, 'application/merge-patch+json');
    expect(status.status).toBe(200);
    expect((status.body.metadata as { generation: number }).generation).toBe(1);
    const stale = await httpJson(`${path}/status`, 'PATCH', { metadata: { resourceVersion: current.metadata.resourceVersion }, status: {} }, 'application/merge-patch+json');
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const main = await httpJson(path, 'PATCH', { spec: { static: { useTls: true } }, status: null }, 'application/merge-patch+json');
    expect((main.body.metadata as { generation: number }).generation).toBe(2);
    expect(main.body.status).toEqual({ statuses: { hp: { state: 'Accepted' } } });
  });

  it('creates, conflicts on create, gets and deletes Leases', async () => {
    const path = `${server.url}/apis/coordination.k8s.io/v1/namespaces/hp/leases`;
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'hp' }, spec: { holderIdentity: 'a' } };
    expect((await httpJson(path, 'POST', lease)).status).toBe(201);
    expect((await httpJson(path, 'POST', lease)).status).toBe(409);
    const got = await httpJson(`${path}/l`);
    expect((got.body.spec as { holderIdentity: string }).holderIdentity).toBe('a');
    expect((await httpJson(`${path}/missing`)).status).toBe(404);
    expect((await httpJson(`${path}/l`, 'DELETE')).status).toBe(200);
    expect((await httpJson(`${path}/l`)).status).toBe(404);
  });

  it('answers 404 for a kind whose CRD is not installed, until it is', async () => {
    const path = `${server.url}/apis/configuration.konghq.com/v1beta1/kongupstreampolicies`;
    expect((await httpJson(path)).status).toBe(404);
    const groups = await httpJson(`${server.url}/apis`);
    expect(JSON.stringify(groups.body)).not.toContain('configuration.konghq.com');
    server.setInstalled('KongUpstreamPolicy', true);
    expect((await httpJson(path)).status).toBe(200);
  });
});
