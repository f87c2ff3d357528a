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

const DEMO = path.join(__dirname, '../examples/xds/demo.yaml');

interface Harness {
  readonly io: MainIo;
  readonly out: string[];
  readonly err: string[];
  signal(name?: string): void;
  ready: Promise<{ xdsPort: number; adminPort: number }>;
}

function harness(env: Record<string, string> = {}): Harness {
  const out: string[] = [];
  const err: string[] = [];
  let handler: ((s: string) => void) | undefined;
  let onReady: (p: { xdsPort: number; adminPort: number }) => void = () => undefined;
  const ready = new Promise<{ xdsPort: number; adminPort: number }>((resolve) => (onReady = resolve));
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
