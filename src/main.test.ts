/**
 * The command end to end inside the test process: parse, start the App on port 0 (real sockets on
 * 127.0.0.1), talk to it over ADS, CSDS and the admin API, reload the resources file, stop on a
 * signal. The reload test waits on a real file watch, bounded by a deadline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { AggregatedDiscoveryServiceClient } from './xds/generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { DiscoveryResponse__Output } from './xds/generated/envoy/service/discovery/v3/DiscoveryResponse';
import type { ClientStatusDiscoveryServiceClient } from './xds/generated/envoy/service/status/v3/ClientStatusDiscoveryService';
import type { ClientStatusResponse__Output } from './xds/generated/envoy/service/status/v3/ClientStatusResponse';
import { decodeMessage, xdsPackageDefinition } from './xds/proto';
import { TypeUrl } from './xds/type-urls';
import { run, type MainIo } from './main';
import { startDemoUpstream, type DemoUpstream } from './demo/demo-upstream';
import { systemClock, systemRandom } from './clock';

const DEMO = path.join(__dirname, '../examples/xds/demo.yaml');

interface Harness {
  readonly io: MainIo;
  readonly out: string[];
  readonly err: string[];
  signal(name?: string): void;
  ready: Promise<Ports>;
}

interface Ports {
  readonly xdsPort: number;
  readonly adminPort: number;
  readonly proxyPorts?: readonly number[];
}

function harness(env: Record<string, string> = {}): Harness {
  const out: string[] = [];
  const err: string[] = [];
  let handler: ((s: string) => void) | undefined;
  let onReady: (p: Ports) => void = () => undefined;
  const ready = new Promise<Ports>((resolve) => (onReady = resolve));
  const io: MainIo = {
    env,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    onSignal: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
    onReady: (_app, ports) => onReady(ports),
  };
  return { io, out, err, ready, signal: (name = 'SIGTERM') => handler?.(name) };
}

type Pkg = {
  envoy: {
    service: {
      discovery: { v3: { AggregatedDiscoveryService: new (a: string, c: grpc.ChannelCredentials) => AggregatedDiscoveryServiceClient } };
      status: { v3: { ClientStatusDiscoveryService: new (a: string, c: grpc.ChannelCredentials) => ClientStatusDiscoveryServiceClient } };
    };
  };
};
const pkg = (): Pkg => grpc.loadPackageDefinition(xdsPackageDefinition()) as unknown as Pkg;

describe('run', () => {
  it('prints help and the version', async () => {
    const h = harness();
    expect(await run(['help', 'serve'], h.io)).toBe(0);
    expect(h.out.join('')).toMatch(/^Usage: healthplane serve/);
    expect(await run(['version'], h.io)).toBe(0);
    expect(h.out[1]).toMatch(/^healthplane \d+\.\d+\.\d+\n$/);
  });

  it('reports bad options with their code and exits 2', async () => {
    const h = harness();
    expect(await run(['serve', '--xds-prot', '1'], h.io)).toBe(2);
    expect(h.err.join('')).toBe('healthplane: HP_CONFIG_INVALID: invalid options:\n  --xds-prot: unknown flag for "serve" (did you mean --xds-port?)\n');
  });

  it('fails with HP_SOURCE_PARSE when the resources file is bad, before listening', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-main-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, 'clusters: [{name: c, connect_timeout: soon}]\n');
      const h = harness();
      expect(await run(['serve', '--xds-port', '0', '--admin-port', '0', '--xds-resources', file], h.io)).toBe(1);
      expect(h.err.join('')).toMatch(/healthplane: HP_SOURCE_PARSE: cannot serve .*bad\.yaml \(HP_SOURCE_PARSE\):\n {2}.*bad\.yaml:1: clusters\[0\]\.connect_timeout: invalid duration "soon"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('serve', () => {
    let dir: string;
    let file: string;
    let h: Harness;
    let exit: Promise<number>;
    let ports: { xdsPort: number; adminPort: number };
    const clients: grpc.Client[] = [];

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-main-'));
      file = path.join(dir, 'resources.yaml');
      fs.copyFileSync(DEMO, file);
      h = harness({ HEALTHPLANE_LOG_LEVEL: 'info' });
      exit = run(['serve', '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0', '--xds-resources', file, '--control-plane-id', 'hp-test'], h.io);
      ports = await Promise.race([h.ready, exit.then((code) => Promise.reject(new Error(`exited ${code}: ${h.err.join('')}`)))]);
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      h.signal();
      await exit;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const admin = (p: string): Promise<Response> => fetch(`http://127.0.0.1:${ports.adminPort}${p}`);

    it('logs one ready line with the bound ports, and stops on a signal with exit code 0', async () => {
      const lines = h.err.join('').split('\n').filter((l) => l.includes('"healthplane ready"'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', xdsPort: ports.xdsPort, adminPort: ports.adminPort });
      h.signal('SIGINT');
      expect(await exit).toBe(0);
      expect(h.err.join('')).toMatch(/"msg":"healthplane stopped"/);
    });

    it('is ready and dumps the served resources', async () => {
      const ready = await admin('/ready');
      expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
      const dump = (await (await admin('/config_dump')).json()) as { configs: { dynamic_active_clusters?: { cluster: { name: string } }[] }[] };
      expect(dump.configs[0]?.dynamic_active_clusters?.map((c) => c.cluster.name)).toEqual(['demo']);
      expect(await (await admin('/')).text()).toMatch(/GET \/xds\/clients/);
    });

    it('serves ADS; the client shows up in /xds/clients and in CSDS', async () => {
      const ads = new (pkg().envoy.service.discovery.v3.AggregatedDiscoveryService)(`127.0.0.1:${ports.xdsPort}`, grpc.credentials.createInsecure());
      clients.push(ads);
      const call = ads.StreamAggregatedResources();
      const first = new Promise<DiscoveryResponse__Output>((resolve, reject) => {
        call.once('data', resolve);
        call.once('error', reject);
      });
      call.write({ node: { id: 'envoy-a', cluster: 'edge', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
      const res = await first;
      expect(res.control_plane?.identifier).toBe('hp-test');
      expect(res.resources.map((r) => decodeMessage('envoy.config.cluster.v3.Cluster', r.value).name)).toEqual(['demo']);
      call.write({ type_url: TypeUrl.Cluster, version_info: res.version_info, response_nonce: res.nonce });
      const body = await waitFor(async () => {
        const view = (await (await admin('/xds/clients')).json()) as { clients: { node: { id: string }; types: { type: string; acked: { version: string } | null }[] }[] };
        return view.clients[0]?.types[0]?.acked ? view : undefined;
      });
      expect(body.clients[0]?.node.id).toBe('envoy-a');
      expect(body.clients[0]?.types[0]).toMatchObject({ type: 'clusters', acked: { version: res.version_info } });
      const csds = new (pkg().envoy.service.status.v3.ClientStatusDiscoveryService)(`127.0.0.1:${ports.xdsPort}`, grpc.credentials.createInsecure());
      clients.push(csds);
      const status = await new Promise<ClientStatusResponse__Output>((resolve, reject) => csds.FetchClientStatus({}, (e, r) => (e || !r ? reject(e) : resolve(r))));
      expect(status.config[0]?.generic_xds_configs.map((g) => [g.name, g.config_status])).toEqual([['demo', 'SYNCED']]);
      call.end();
    });

    it('republishes when the file changes, and keeps the last good snapshot when it breaks', async () => {
      const clusterNames = async (): Promise<string[]> => {
        const dump = (await (await admin('/config_dump')).json()) as { configs: { dynamic_active_clusters?: { cluster: { name: string } }[] }[] };
        return (dump.configs[0]?.dynamic_active_clusters ?? []).map((c) => c.cluster.name);
      };
      fs.writeFileSync(file, fs.readFileSync(DEMO, 'utf8').replace('clusters:\n  - name: demo\n', 'clusters:\n  - name: extra\n    type: STATIC\n  - name: demo\n'));
      expect(await waitFor(async () => ((await clusterNames()).length === 2 ? clusterNames() : undefined))).toEqual(['demo', 'extra']);
      fs.writeFileSync(file, 'clusters: [{name: broken, connect_timeout: soon}]\n');
      await waitFor(async () => (h.err.join('').includes('the last good snapshot stays served') ? true : undefined));
      expect(await clusterNames()).toEqual(['demo', 'extra']);
      expect(h.err.join('')).toMatch(/"code":"HP_SOURCE_PARSE"/);
    });
  });
});

/** A Kong-policy HTTPRoute `/kong` -> Service web -> one endpoint on `port`, behind Gateway gw on 8080. */
function proxyFolder(port: number): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: any
  listeners: [{name: http, port: 8080, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default, annotations: {konghq.com/strip-path: "true"}}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /kong}}]
    backendRefs: [{name: web, kind: Service, port: 80}]
---
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: passive, namespace: default}
spec:
  healthchecks:
    passive:
      healthy: {successes: 3}
      unhealthy: {httpFailures: 3}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default, annotations: {konghq.com/upstream-policy: passive}}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: ${port}}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`;
}

describe('run: the native proxy (serve --config-dir --proxy-port)', () => {
  let dir: string;
  let demo: DemoUpstream;
  let h: Harness;
  let exit: Promise<number>;
  let ports: Ports;
  const UPSTREAM = 'httproute.default.web.0';

  beforeAll(async () => {
    demo = await startDemoUpstream({ port: 0, name: 'web-1', clock: systemClock, random: systemRandom });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-main-proxy-'));
    fs.writeFileSync(path.join(dir, 'web.yaml'), proxyFolder(demo.port));
    h = harness();
    exit = run(['serve', '--config-dir', dir, '--proxy-port', '0', '--proxy-address', '127.0.0.1', '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0'], h.io);
    ports = await Promise.race([h.ready, exit.then((code) => Promise.reject(new Error(`exited ${code}: ${h.err.join('')}`)))]);
  });

  afterAll(async () => {
    h.signal();
    await exit;
    await demo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const admin = (p: string, init?: RequestInit): Promise<Response> => fetch(`http://127.0.0.1:${ports.adminPort}${p}`, init);
  const proxied = (p: string): Promise<Response> => fetch(`http://127.0.0.1:${ports.proxyPorts?.[0]}${p}`);

  it('logs the proxy port in the ready line and forwards with strip-path and Kong latency headers', async () => {
    const ready = h.err.join('').split('\n').filter((l) => l.includes('"healthplane ready"'));
    expect(ready).toHaveLength(1);
    expect(JSON.parse(ready[0] as string)).toMatchObject({ proxyAddress: '127.0.0.1', proxyPort: ports.proxyPorts?.[0] });
    const res = await proxied('/kong/get?x=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-demo-upstream')).toBe('web-1');
    expect(res.headers.get('x-kong-proxy-latency')).toMatch(/^\d+$/);
    expect(((await res.json()) as { url: string }).url).toMatch(/\/get\?x=1$/);
  });

  it('serves /clusters (text and JSON), /stats and /stats/prometheus for the proxy', async () => {
    await proxied('/kong/status/200');
    const text = await (await admin('/clusters')).text();
    expect(text).toContain(`${UPSTREAM}::127.0.0.1:${demo.port}::health_flags::healthy`);
    const json = (await (await admin('/clusters?format=json')).json()) as { cluster_statuses: { name: string }[] };
    expect(json.cluster_statuses.map((c) => c.name)).toEqual([UPSTREAM]);
    expect(await (await admin('/stats?filter=upstream_rq_total')).text()).toMatch(new RegExp(`^cluster\\.${UPSTREAM.replace(/\./g, '\\.')}\\.upstream_rq_total: [1-9]`, 'm'));
    expect(await (await admin('/stats/prometheus')).text()).toContain(`envoy_cluster_upstream_rq_total{envoy_cluster_name="${UPSTREAM}"}`);
  });

  it("answers Kong's Admin API: a target set unhealthy gets Kong's 503, set healthy it serves again", async () => {
    const target = `127.0.0.1:${demo.port}`;
    const set = (state: string, method = 'PUT') => admin(`/upstreams/${UPSTREAM}/targets/${target}/${state}`, { method });
    expect((await set('unhealthy')).status).toBe(204);
    const health = (await (await admin(`/upstreams/${UPSTREAM}/health`)).json()) as { data: { target: string; health: string }[] };
    expect(health.data.map((t) => [t.target, t.health])).toEqual([[target, 'UNHEALTHY']]);
    const refused = await proxied('/kong/get');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-kong-response-latency')).toMatch(/^\d+$/);
    expect(await refused.json()).toEqual({ message: 'failure to get a peer from the ring-balancer' });
    expect((await set('healthy', 'POST')).status).toBe(204);
    expect((await proxied('/kong/get')).status).toBe(200);
    expect((await admin('/upstreams/nope/health')).status).toBe(404);
    expect((await admin('/ready', { method: 'PUT' })).status).toBe(405);
  });
});

describe('run: demo-upstream', () => {
  it('serves until a signal, logging its bound port', async () => {
    const h = harness();
    const exit = run(['demo-upstream', '--port', '0', '--name', 'd1'], h.io);
    const line = await waitFor(async () => h.err.join('').split('\n').find((l) => l.includes('"demo upstream listening"')));
    const { port } = JSON.parse(line) as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/status/418`);
    expect([res.status, res.headers.get('x-demo-upstream')]).toEqual([418, 'd1']);
    h.signal('SIGINT');
    expect(await exit).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/get`)).rejects.toThrow();
  });
});

/** Polls `probe` until it returns a value (at most 5 s). */
async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setImmediate(r));
  }
}
