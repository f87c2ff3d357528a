/**
 * End to end: `healthplane quickstart` (what `npm start` runs) as a real process with every port
 * overridden. First with the bundled examples/quickstart folder and no demo upstreams (its
 * EndpointSlices name 127.0.0.1:9001-9003, which a test cannot count on being free); then with a
 * copy of that folder whose EndpointSlices name free ports, and the built-in demo upstreams on
 * those ports: a request through the proxy reaches a demo upstream, /clusters lists the quickstart
 * clusters with the kgateway guide's /status/503 health check failing, and SIGINT stops it all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliProcess, freePort, REPO, request, type LogRecord } from './support/cli-process';
import { waitFor } from './support/xds-client';

jest.setTimeout(40_000);

const QUICKSTART = path.join(REPO, 'examples/quickstart');
const CLUSTERS = ['httpbin_httpbin', 'httproute.default.demo.0'];
const ZERO_PORTS = ['--proxy-port', '0', '--admin-port', '0', '--xds-port', '0', '--xds-address', '127.0.0.1'];

const isReady = (r: LogRecord): boolean => r['msg'] === 'healthplane ready';

async function clusterNames(adminPort: number): Promise<string[]> {
  const body = JSON.parse((await request(adminPort, '/clusters?format=json')).body) as { cluster_statuses: { name: string }[] };
  return body.cluster_statuses.map((c) => c.name);
}

describe('healthplane quickstart (real process)', () => {
  const started: CliProcess[] = [];
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-quickstart-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop().catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the bundled examples/quickstart folder, ready with both clusters', async () => {
    const hp = await CliProcess.start('quickstart', ['quickstart', ...ZERO_PORTS, '--demo-ports', 'none'], isReady);
    started.push(hp);
    const ready = hp.records.find(isReady) as LogRecord;
    expect(ready).toMatchObject({ proxyPort: expect.any(Number), adminPort: expect.any(Number), xdsPort: expect.any(Number) });
    expect(ready['demoUpstreams']).toBeUndefined();
    expect(hp.records.find((r) => r['msg'] === 'config folder served')).toMatchObject({ dir: QUICKSTART, errors: 0 });
    const adminPort = ready['adminPort'] as number;
    expect((await request(adminPort, '/ready')).status).toBe(200);
    expect(await clusterNames(adminPort)).toEqual(CLUSTERS);
    expect(await hp.stop('SIGINT')).toBe(0);
  });

  it('runs the demo upstreams in the same process: a request through the proxy reaches one; SIGINT stops everything', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const conf = path.join(dir, 'quickstart');
    fs.mkdirSync(conf);
    for (const file of fs.readdirSync(QUICKSTART).filter((f) => f.endsWith('.yaml'))) {
      const text = fs.readFileSync(path.join(QUICKSTART, file), 'utf8');
      fs.writeFileSync(path.join(conf, file), [9001, 9002, 9003].reduce((t, p, i) => t.replaceAll(`port: ${p}`, `port: ${ports[i]}`), text));
    }
    const hp = await CliProcess.start('quickstart', ['quickstart', ...ZERO_PORTS, '--config-dir', conf, '--demo-ports', ports.join(','), '--outlier-event-log', '/dev/null'], isReady);
    started.push(hp);
    const ready = hp.records.find(isReady) as LogRecord;
    expect(ready['demoUpstreams']).toEqual(ports);
    const proxyPort = ready['proxyPort'] as number;
    const adminPort = ready['adminPort'] as number;
    expect((await request(adminPort, '/ready')).status).toBe(200);

    // Kong's how-to route: /test, strip-path, to the httpbin Service's pods (the demo upstreams).
    const kong = await request(proxyPort, '/test/status/200');
    expect(kong.status).toBe(200);
    expect(ports.map((p) => `demo-${p}`)).toContain(kong.headers['x-demo-upstream']);
    const get = await request(proxyPort, '/test/get');
    expect(JSON.parse(get.body)).toMatchObject({ url: expect.stringMatching(/\/get$/) });
    // kgateway's route by host name; its health check probes /status/503, so every host fails it
    // and Envoy's panic threshold still routes to them.
    const gloo = await request(proxyPort, '/status/200', { host: 'www.httpbin.com' });
    expect(gloo.status).toBe(200);
    expect(await clusterNames(adminPort)).toEqual(CLUSTERS);
    await waitFor('the /status/503 health check to fail every httpbin_httpbin host', async () => {
      const text = (await request(adminPort, '/clusters')).body;
      return ports.every((p) => text.includes(`httpbin_httpbin::127.0.0.1:${p}::health_flags::/failed_active_hc`)) ? true : undefined;
    }, 5000);

    const stoppedAt = Date.now();
    expect(await hp.stop('SIGINT')).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
    expect(hp.records.some((r) => r['msg'] === 'healthplane stopped')).toBe(true);
    for (const p of ports) await expect(request(p, '/get')).rejects.toThrow();
  });
});
