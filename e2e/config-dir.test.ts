/**
 * End to end: the real `node bin/healthplane.js serve --config-dir <tmp>` process (built by
 * `npm run build`), a raw ADS client over grpc-js, and files saved in the folder. The client sees
 * the translated resources; a saved edit pushes an update within the promised second; a file that
 * no longer parses or validates is reported on GET /status while the old configuration keeps being
 * served; fixing it recovers; removing it withdraws its resources. Real time, every wait bounded,
 * the child killed by PID and the folder removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { adsClient } from '../test/fakes/xds-test-client';
import type { StatusView } from '../src/admin/status-page';
import type { AggregatedDiscoveryServiceClient } from '../src/xds/generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { Cluster__Output } from '../src/xds/generated/envoy/config/cluster/v3/Cluster';
import type { DiscoveryRequest } from '../src/xds/generated/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../src/xds/generated/envoy/service/discovery/v3/DiscoveryResponse';
import type { Listener__Output } from '../src/xds/generated/envoy/config/listener/v3/Listener';
import { decodeMessage } from '../src/xds/proto';
import { TypeUrl } from '../src/xds/type-urls';
import { cliIsBuilt, portsFromLogLine, type BoundPorts } from './support/healthplane-process';
import { waitFor } from './support/xds-client';

jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, '..');
const TESTDATA = path.join(REPO, 'test/translate/testdata');
const BASE = fs.readFileSync(path.join(TESTDATA, 'base/kgateway.yaml'), 'utf8');
const SEED = fs.readFileSync(path.join(TESTDATA, 'seed-kgateway-upstream-health.in.yaml'), 'utf8');
const CLUSTER = 'httpbin_httpbin';

/** The seed's Upstream with another probe interval (or any other edit). */
const seedWith = (from: string, to: string): string => {
  if (!SEED.includes(from)) throw new Error(`the seed has no "${from}"`);
  return SEED.replace(from, to);
};

/** The healthplane process under test. */
class Served {
  readonly output: string[] = [];
  ports: BoundPorts | undefined;
  constructor(readonly child: ChildProcess) {}

  static async start(dir: string): Promise<Served> {
    const args = [path.join(REPO, 'bin/healthplane.js'), 'serve', '--config-dir', dir, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0'];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEALTHPLANE_LOG_LEVEL: 'info' } });
    const served = new Served(child);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        served.output.push(line);
        served.ports ??= portsFromLogLine(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    await waitFor('healthplane to log its bound ports', () => {
      if (child.exitCode !== null) throw new Error(`healthplane exited with ${child.exitCode}`);
      return served.ports;
    }, 20_000).catch((err: Error) => {
      throw served.withOutput(err);
    });
    return served;
  }

  async status(): Promise<StatusView> {
    const res = await fetch(`http://127.0.0.1:${this.ports?.admin}/status`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`GET /status: ${res.status}`);
    return (await res.json()) as StatusView;
  }

  /** SIGTERM, SIGKILL after 5 s; by PID only. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  withOutput(err: Error): Error {
    return new Error(`${err.message}\n--- healthplane output ---\n${this.output.slice(-40).join('\n')}`);
  }
}

/** A raw SotW ADS stream subscribed to every Cluster and Listener; ACKs each response and keeps the latest. */
class AdsWatch {
  readonly responses: { at: number; typeUrl: string; version: string; names: string[] }[] = [];
  clusters = new Map<string, Cluster__Output>();
  listeners = new Map<string, Listener__Output>();
  private readonly client: AggregatedDiscoveryServiceClient;
  private readonly stream: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>;
  private readonly node = { id: 'e2e-config-dir', cluster: 'e2e' };

  constructor(port: number) {
    this.client = adsClient(port);
    this.stream = this.client.StreamAggregatedResources();
    this.stream.on('error', () => undefined);
    this.stream.on('data', (r: DiscoveryResponse__Output) => this.onResponse(r));
    for (const typeUrl of [TypeUrl.Cluster, TypeUrl.Listener]) this.stream.write({ node: this.node, type_url: typeUrl, resource_names: [] });
  }

  private onResponse(r: DiscoveryResponse__Output): void {
    if (r.type_url === TypeUrl.Cluster) {
      this.clusters = new Map(r.resources.map((a) => decodeMessage<Cluster__Output>('envoy.config.cluster.v3.Cluster', a.value)).map((c) => [c.name, c]));
    } else if (r.type_url === TypeUrl.Listener) {
      this.listeners = new Map(r.resources.map((a) => decodeMessage<Listener__Output>('envoy.config.listener.v3.Listener', a.value)).map((l) => [l.name, l]));
    }
    const names = r.type_url === TypeUrl.Cluster ? [...this.clusters.keys()] : [...this.listeners.keys()];
    this.responses.push({ at: Date.now(), typeUrl: r.type_url, version: r.version_info, names });
    this.stream.write({ node: this.node, type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: [] });
  }

  probeInterval(): string | undefined {
    const hc = this.clusters.get(CLUSTER)?.health_checks[0];
    return hc?.interval ? `${hc.interval.seconds}s` : undefined;
  }

  clusterResponses(): number {
    return this.responses.filter((r) => r.typeUrl === TypeUrl.Cluster).length;
  }

  close(): void {
    this.stream.end();
    this.stream.cancel();
    this.client.close();
  }
}

describe('serve --config-dir (real process, raw ADS client)', () => {
  let dir: string;
  let hp: Served;
  let ads: AdsWatch;

  const upstreamFile = (): string => path.join(dir, 'apps', 'upstream.yaml');
  /** Saves like an editor that writes a temporary file and renames it over the old one. */
  const saveAtomically = (file: string, text: string): void => {
    fs.writeFileSync(`${file}.tmp~`, text);
    fs.renameSync(`${file}.tmp~`, file);
  };
  const status = (): Promise<StatusView> => hp.status();

  beforeAll(async () => {
    if (!cliIsBuilt()) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-config-'));
    fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
    fs.mkdirSync(path.join(dir, 'apps'));
    fs.writeFileSync(upstreamFile(), SEED);
    hp = await Served.start(dir);
    ads = new AdsWatch(hp.ports?.xds ?? 0);
  });

  afterAll(async () => {
    ads?.close();
    await hp?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the translated resources to an xDS client', async () => {
    await waitFor('the seed cluster over ADS', () => (ads.clusters.has(CLUSTER) && ads.listeners.size > 0 ? true : undefined), 10_000).catch((e: Error) => {
      throw hp.withOutput(e);
    });
    const cluster = ads.clusters.get(CLUSTER) as Cluster__Output;
    expect(ads.probeInterval()).toBe('2s');
    expect(cluster.outlier_detection?.consecutive_5xx?.value).toBe(3);
    expect(cluster.ignore_health_on_host_removal).toBe(true);
    expect([...ads.listeners.keys()]).toEqual(['http_8080']);
    const s = await status();
    expect(s.resources.find((r) => r.kind === 'Upstream')).toMatchObject({ name: 'httpbin', file: upstreamFile(), served: 'current' });
  });

  it('pushes an update within a second of saving an edit (in place)', async () => {
    const before = ads.clusterResponses();
    const saved = Date.now();
    fs.writeFileSync(upstreamFile(), seedWith('interval: 2s', 'interval: 3s'));
    await waitFor('the edited cluster over ADS', () => (ads.probeInterval() === '3s' ? true : undefined), 5000);
    const latency = (ads.responses.at(-1)?.at ?? Infinity) - saved;
    expect(ads.clusterResponses()).toBe(before + 1);
    expect(latency).toBeLessThan(1000);
  });

  it('reports a file that no longer parses on /status and keeps serving the old configuration', async () => {
    const before = ads.clusterResponses();
    const generation = (await status()).generation;
    saveAtomically(upstreamFile(), seedWith('interval: 2s', 'interval: [3s'));
    const s = await waitFor('the syntax error on /status', async () => {
      const view = await status();
      return view.generation > generation && view.files.some((f) => f.reason === 'SyntaxError') ? view : undefined;
    }, 5000);
    expect(s.files.filter((f) => f.file === upstreamFile()).map((f) => f.reason)).toEqual(expect.arrayContaining(['SyntaxError', 'LastGoodFileServed']));
    expect(s.snapshot).toMatchObject({ status: 'unchanged' });
    expect(ads.clusterResponses()).toBe(before);
    expect(ads.probeInterval()).toBe('3s');
    expect(hp.output.some((l) => /"reason":"SyntaxError"/.test(l))).toBe(true);
  });

  it('reports an object that no longer validates and keeps serving its last valid version', async () => {
    const generation = (await status()).generation;
    saveAtomically(upstreamFile(), seedWith('maxEjectionPercent: 100', 'maxEjectionPercent: 150').replace('interval: 2s', 'interval: 5s'));
    const s = await waitFor('the invalid Upstream on /status', async () => {
      const view = await status();
      return view.generation > generation && view.files.length === 0 ? view : undefined;
    }, 5000);
    const up = s.resources.find((r) => r.kind === 'Upstream');
    expect(up?.served).toBe('lastValid');
    expect(up?.errors).toEqual([expect.objectContaining({ file: upstreamFile(), path: 'spec.outlierDetection.maxEjectionPercent', reason: 'Invalid' })]);
    expect(up?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False' });
    expect(ads.probeInterval()).toBe('3s');
    expect(ads.clusters.get(CLUSTER)?.outlier_detection?.max_ejection_percent?.value).toBe(100);
  });

  it('recovers when the file is fixed', async () => {
    saveAtomically(upstreamFile(), seedWith('interval: 2s', 'interval: 4s'));
    await waitFor('the fixed cluster over ADS', () => (ads.probeInterval() === '4s' ? true : undefined), 5000);
    const s = await status();
    expect(s.resources.find((r) => r.kind === 'Upstream')?.served).toBe('current');
    expect(s.summary.errors).toBe(0);
    expect(s.files).toEqual([]);
  });

  it('withdraws the resources of a removed file and serves those of a new one', async () => {
    fs.rmSync(upstreamFile());
    await waitFor('the cluster to be withdrawn', () => (!ads.clusters.has(CLUSTER) ? true : undefined), 5000);
    fs.mkdirSync(path.join(dir, 'apps', 'more'));
    fs.writeFileSync(path.join(dir, 'apps', 'more', 'again.yml'), SEED);
    await waitFor('the cluster from a file in a new subfolder', () => (ads.probeInterval() === '2s' ? true : undefined), 5000);
  });
});
