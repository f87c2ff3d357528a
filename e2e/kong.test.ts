/**
 * End to end: Kong's "Health Checks" how-to for the ingress controller, over real sockets, against
 * `healthplane serve --config-dir <tmp> --proxy-port 0` and one real `healthplane demo-upstream`
 * (httpbin's /status/{code}). The resources are the how-to's (HTTPRoute `demo` on /test with
 * strip-path, Service `httpbin` with `konghq.com/upstream-policy`), the Service's pod being the demo
 * upstream. Passive only (successes 3, httpFailures 3): two 500s and a 200 keep the target up; a
 * third failure opens the circuit (Kong's 503 JSON) and it stays open; the Admin API sets it healthy
 * again. Then the policy gains the how-to's active check, with the only shortening here: intervals
 * of 0.5 s instead of 5 s, so recovery by 3 successful probes takes about 1.5 s instead of 15 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliProcess, freePort, request, type LogRecord, type Reply } from './support/cli-process';
import { waitFor } from './support/xds-client';

jest.setTimeout(40_000);

const UPSTREAM = 'httproute.default.demo.0';
const NO_PEER = '{\n  "message":"failure to get a peer from the ring-balancer"\n}';

const PASSIVE = `
    passive:
      healthy:
        successes: 3
      unhealthy:
        httpFailures: 3`;

/** The how-to's active section, intervals 0.5 s (the how-to: 5). */
const ACTIVE = `
    active:
      healthy:
        interval: 0.5
        successes: 3
      httpPath: /status/200
      type: http
      unhealthy:
        httpFailures: 1
        interval: 0.5`;

function resources(port: number): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kong}
spec: {controllerName: konghq.com/kic-gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kong, namespace: default}
spec:
  gatewayClassName: kong
  listeners: [{name: proxy, port: 8080, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: demo
  namespace: default
  annotations: {konghq.com/strip-path: "true"}
spec:
  parentRefs: [{name: kong}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /test}}]
    backendRefs: [{name: httpbin, kind: Service, port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  namespace: default
  annotations: {konghq.com/upstream-policy: demo-health-checking}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: httpbin-1, namespace: default, labels: {kubernetes.io/service-name: httpbin}}
addressType: IPv4
ports: [{name: http, port: ${port}}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`;
}

function policy(sections: string): string {
  return `apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: demo-health-checking, namespace: default}
spec:
  healthchecks:${sections}
`;
}

describe("Kong's health-checks how-to through the native proxy (real processes)", () => {
  let dir: string;
  let conf: string;
  let upstream: CliProcess;
  let hp: CliProcess;
  let proxyPort = 0;
  let adminPort = 0;
  let target = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-kong-'));
    conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    const port = await freePort();
    target = `127.0.0.1:${port}`;
    upstream = await CliProcess.demoUpstream('httpbin', port);
    fs.writeFileSync(path.join(conf, 'demo.yaml'), resources(port));
    fs.writeFileSync(path.join(conf, 'policy.yaml'), policy(PASSIVE));
    const args = ['serve', '--config-dir', conf, '--proxy-port', '0', '--proxy-address', '127.0.0.1', '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0'];
    hp = await CliProcess.start('healthplane', args, (r) => r['msg'] === 'healthplane ready');
    const ready = hp.records.find((r) => r['msg'] === 'healthplane ready') as LogRecord;
    proxyPort = ready['proxyPort'] as number;
    adminPort = ready['adminPort'] as number;
  });

  afterAll(async () => {
    await Promise.all([hp?.stop(), upstream?.stop()].map((p) => p?.catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const curl = (p: string): Promise<Reply> => request(proxyPort, p);
  const statuses = async (paths: readonly string[]): Promise<number[]> => {
    const out: number[] = [];
    for (const p of paths) out.push((await curl(p)).status);
    return out;
  };
  const targetHealth = async (): Promise<string> => {
    const body = JSON.parse((await request(adminPort, `/upstreams/${UPSTREAM}/health`)).body) as { data: { target: string; health: string }[] };
    return body.data.find((t) => t.target === target)?.health ?? 'missing';
  };
  const expectNoPeer = (r: Reply): void => {
    expect(r.status).toBe(503);
    expect(r.body).toBe(NO_PEER);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['content-length']).toBe('62');
    expect(r.headers['x-kong-response-latency']).toMatch(/^\d+$/);
  };

  it('proxies /test with strip-path and adds Kong latency headers', async () => {
    const r = await curl('/test/status/200');
    expect(r.status).toBe(200);
    expect(r.headers['x-demo-upstream']).toBe('httpbin');
    expect(r.headers['x-kong-upstream-latency']).toMatch(/^\d+$/);
    expect(r.headers['x-kong-proxy-latency']).toMatch(/^\d+$/);
    expect(await targetHealth()).toBe('HEALTHY');
  });

  it('passive only: two failures then a success keep the target healthy', async () => {
    expect(await statuses(['/test/status/500', '/test/status/500', '/test/status/200'])).toEqual([500, 500, 200]);
    expect(await statuses(['/test/status/200'])).toEqual([200]);
  });

  it('passive only: a third consecutive failure opens the circuit, and it stays open', async () => {
    expect(await statuses(['/test/status/500', '/test/status/500', '/test/status/500'])).toEqual([500, 500, 500]);
    expectNoPeer(await curl('/test/status/200'));
    expect(await targetHealth()).toBe('UNHEALTHY');
    await new Promise((r) => setTimeout(r, 2000));
    expectNoPeer(await curl('/test/status/200'));
  });

  it("the Admin API's PUT /upstreams/{u}/targets/{t}/healthy closes it", async () => {
    const r = await request(adminPort, `/upstreams/${UPSTREAM}/targets/${target}/healthy`, { method: 'PUT' });
    expect([r.status, r.body]).toEqual([204, '']);
    expect(await targetHealth()).toBe('HEALTHY');
    expect(await statuses(['/test/status/200'])).toEqual([200]);
  });

  it('with the active check added, a tripped target recovers by itself after 3 successful probes', async () => {
    const published = (): number => hp.records.filter((r) => r['msg'] === 'snapshot published').length;
    const before = published();
    fs.writeFileSync(path.join(conf, 'policy.yaml'), policy(PASSIVE + ACTIVE));
    await waitFor('the updated policy to be served', () => (published() > before ? true : undefined), 5000);
    expect(await targetHealth()).toBe('HEALTHY'); // health survives the policy update
    expect(await statuses(['/test/status/500', '/test/status/500', '/test/status/500'])).toEqual([500, 500, 500]);
    const trippedAt = Date.now();
    expectNoPeer(await curl('/test/status/200'));
    await waitFor('the active probes to bring the target back', async () => ((await curl('/test/status/200')).status === 200 ? true : undefined), 6000, 100);
    const took = Date.now() - trippedAt;
    expect(took).toBeGreaterThan(700); // 3 successes, 0.5 s apart
    expect(took).toBeLessThan(4000);
    expect(await targetHealth()).toBe('HEALTHY');
  });
});
