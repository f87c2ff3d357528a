import { FakeClock, FakeRandom } from '../../test/fakes/fake-clock';
import { send, waitFor } from '../../test/fakes/http-client';
import { MAX_DELAY_SECONDS, pickStatus, startDemoUpstream, type DemoUpstream } from './demo-upstream';

describe('pickStatus', () => {
  it.each<[string, number[], number | undefined]>([
    ['200', [0.9], 200],
    ['200,500', [0.49], 200],
    ['200,500', [0.5], 500],
    ['200:3,500:1', [0.74], 200],
    ['200:3,500:1', [0.75], 500],
    ['abc', [0], undefined],
    ['700', [0], undefined],
    ['200:-1', [0], undefined],
    ['200:0,503:0', [0], undefined],
  ])('%s with random %p → %p', (spec, values, expected) => {
    expect(pickStatus(spec, new FakeRandom(values))).toBe(expected);
  });
});

describe('demo upstream', () => {
  let clock: FakeClock;
  let demo: DemoUpstream;

  beforeEach(async () => {
    clock = new FakeClock();
    demo = await startDemoUpstream({ port: 0, name: 'd1', clock, random: new FakeRandom([0.9]) });
  });
  afterEach(() => demo.close());

  it('answers /status/{code} with that status and names itself', async () => {
    const r = await send(demo.port, { path: '/status/418' });
    expect(r.status).toBe(418);
    expect(r.headers['x-demo-upstream']).toBe('d1');
    expect((await send(demo.port, { path: '/status/200,503' })).status).toBe(503);
    expect((await send(demo.port, { path: '/status/nope' })).status).toBe(404);
  });

  it('serves httpbin-like /get and /headers', async () => {
    const r = await send(demo.port, { path: '/get?a=1&b=2&b=3', headers: { 'x-custom-thing': 'v' } });
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body).toMatchObject({ args: { a: '1', b: ['2', '3'] }, origin: '127.0.0.1', url: `http://127.0.0.1:${demo.port}/get?a=1&b=2&b=3` });
    expect(body['headers']).toMatchObject({ 'X-Custom-Thing': 'v', Host: `127.0.0.1:${demo.port}` });
    const h = JSON.parse((await send(demo.port, { path: '/headers' })).body) as { headers: Record<string, string> };
    expect(h.headers['Host']).toBe(`127.0.0.1:${demo.port}`);
  });

  it('answers / and /health with 200', async () => {
    expect((await send(demo.port, { path: '/' })).status).toBe(200);
    expect(JSON.parse((await send(demo.port, { path: '/health' })).body)).toEqual({ status: 'ok', name: 'd1' });
  });

  it('delays /delay/{s} on its clock, bounded to 10 s', async () => {
    const pending = send(demo.port, { path: '/delay/60' });
    await waitFor(() => clock.pendingCount === 1);
    clock.advance(MAX_DELAY_SECONDS * 1000 - 1);
    expect(clock.pendingCount).toBe(1);
    clock.advance(1);
    expect((await pending).status).toBe(200);
  });

  it('echoes bodies on /anything and /echo', async () => {
    const any = JSON.parse((await send(demo.port, { method: 'PUT', path: '/anything/x', body: 'hello' })).body) as Record<string, unknown>;
    expect(any).toMatchObject({ method: 'PUT', data: 'hello' });
    expect((await send(demo.port, { method: 'POST', path: '/echo', body: 'raw bytes' })).body).toBe('raw bytes');
  });

  it('fails every non-admin request after POST /admin/fail, until POST /admin/recover', async () => {
    expect((await send(demo.port, { method: 'POST', path: '/admin/fail?status=503' })).status).toBe(200);
    expect(demo.failingWith).toBe(503);
    expect((await send(demo.port, { path: '/health' })).status).toBe(503);
    expect((await send(demo.port, { path: '/get' })).status).toBe(503);
    await send(demo.port, { method: 'POST', path: '/admin/recover' });
    expect((await send(demo.port, { path: '/health' })).status).toBe(200);
    expect((await send(demo.port, { method: 'POST', path: '/admin/fail?status=42' })).status).toBe(400);
  });

  it('answers 405 to a wrong method and 404 to unknown paths', async () => {
    expect((await send(demo.port, { method: 'POST', path: '/get' })).status).toBe(405);
    expect((await send(demo.port, { path: '/nope' })).status).toBe(404);
  });
});
