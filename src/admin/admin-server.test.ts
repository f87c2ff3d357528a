import { silentLogger } from '../log';
import { FakeClock } from '../../test/fakes/fake-clock';
import { aNode, aResponse, aStream } from '../../test/fakes/hook-events';
import { ClientRegistry } from '../xds/server/client-registry';
import { TypeUrl } from '../xds/type-urls';
import { AdminServer } from './admin-server';
import { readyHandler, xdsClientsHandler, type ReadinessState } from './status-routes';

describe('AdminServer', () => {
  let admin: AdminServer;
  let base: string;
  let readiness: ReadinessState;
  let registry: ClientRegistry;

  beforeEach(async () => {
    readiness = { ready: false, reason: 'no snapshot published yet' };
    registry = new ClientRegistry({ clock: new FakeClock() });
    admin = new AdminServer({ logger: silentLogger })
      .route('/ready', 'readiness', readyHandler(() => readiness))
      .route('/xds/clients', 'connected xDS clients', xdsClientsHandler(registry))
      .route('/boom', 'fails', () => {
        throw new Error('kaput');
      })
      .route('/async', 'async json', async () => ({ status: 200, body: { a: [1, 2] } }));
    const port = await admin.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await admin.stop();
  });

  it('lists its routes at GET /', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^ {2}GET \/ready\s+readiness$/m);
    expect(text).toMatch(/^ {2}GET \/xds\/clients\s+connected xDS clients$/m);
    expect(text).toMatch(/^ {2}GET \/\s+this index$/m);
  });

  it('answers 503 with the reason until ready, then 200', async () => {
    let res = await fetch(`${base}/ready`);
    expect([res.status, await res.text()]).toEqual([503, 'not ready: no snapshot published yet\n']);
    readiness = { ready: true };
    res = await fetch(`${base}/ready`);
    expect([res.status, await res.text()]).toEqual([200, 'ready\n']);
  });

  it('serves JSON with a JSON content type', async () => {
    const res = await fetch(`${base}/async`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ a: [1, 2] });
  });

  it('serves the client registry at /xds/clients, with its filters', async () => {
    registry.onStreamOpen(aStream({ id: 4 }));
    registry.onNode(4, aNode({ id: 'n1' }), 'edge');
    registry.onResponse(4, aResponse(TypeUrl.Cluster, '1', 'v1', { c: 'h' }));
    let body = (await (await fetch(`${base}/xds/clients`)).json()) as { clients: { stream_id: number; types: { resources?: unknown[] }[] }[] };
    expect(body.clients.map((c) => c.stream_id)).toEqual([4]);
    expect(body.clients[0]?.types[0]?.resources).toHaveLength(1);
    body = (await (await fetch(`${base}/xds/clients?resources=false&node=n1`)).json()) as typeof body;
    expect(body.clients[0]?.types[0]?.resources).toBeUndefined();
    body = (await (await fetch(`${base}/xds/clients?node=other`)).json()) as typeof body;
    expect(body.clients).toEqual([]);
    expect((await fetch(`${base}/xds/clients?resources=maybe`)).status).toBe(400);
  });

  it('answers 405 to anything but GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const res = await fetch(`${base}/ready`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
  });

  it('answers 404 to unknown paths and 500 when a handler throws', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const res = await fetch(`${base}/boom`);
    expect([res.status, await res.text()]).toEqual([500, 'internal error\n']);
  });

  it('stops even with an idle keep-alive connection open', async () => {
    await fetch(`${base}/ready`, { headers: { connection: 'keep-alive' } });
    await admin.stop();
    await expect(fetch(`${base}/ready`)).rejects.toThrow();
  });

  it('lets raw hooks answer any method before the GET-only check, in the order added', async () => {
    const seen: string[] = [];
    admin
      .hook('PUT /things/{t}  sets a thing', (req, res) => {
        seen.push(`first ${req.method} ${req.url}`);
        if (!req.url?.startsWith('/things/')) return false;
        req.resume();
        res.writeHead(204);
        res.end();
        return true;
      })
      .hook('GET /later  never reached for /things', (req) => {
        seen.push(`second ${req.url}`);
        return false;
      });
    const put = await fetch(`${base}/things/a`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(204);
    expect(seen).toEqual(['first PUT /things/a']);
    const post = await fetch(`${base}/ready`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect(seen.slice(1)).toEqual(['first POST /ready', 'second /ready', 'first GET /ready', 'second /ready']);
    expect(await (await fetch(`${base}/`)).text()).toMatch(/^ {2}PUT \/things\/\{t\} {2}sets a thing$/m);
  });

  it('answers 500 when a raw hook throws', async () => {
    admin.hook('broken', () => {
      throw new Error('kaput');
    });
    const res = await fetch(`${base}/anything`, { method: 'PUT' });
    expect([res.status, await res.text()]).toEqual([500, 'internal error\n']);
  });

  it('rejects routes that are not absolute paths', () => {
    expect(() => admin.route('ready', 'x', () => ({ status: 200, body: '' }))).toThrow(/must start with/);
  });
});
