/**
 * End to end: `node bin/healthplane.js serve --kubernetes --kubeconfig <tmp>` (built by `npm run
 * build`) against the stand-in API server running in this process on 127.0.0.1 (the real wire
 * protocol; only the kubeconfig's URL differs from a cluster's), and a raw ADS client. The seeds
 * applied to the stand-in reach the client as Clusters and endpoints; updates and deletes
 * propagate; a watch cut mid-event loses nothing (and does not relist); a compacted history
 * relists; of two replicas only the Lease holder writes statuses, and the other takes over when
 * it stops, or after a lease duration when it dies. Real time, every wait bounded, children
 * stopped by PID, the folder removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { adsClient } from '../test/fakes/xds-test-client';
import { FakeApiServer, type RequestRecord } from '../test/k8s/fake-api-server';
import { writeKubeconfig } from '../test/k8s/kube-config';
import { endpointSlice, seedObjects, type Obj } from '../test/k8s/seed-objects';
import type { AggregatedDiscoveryServiceClient } from '../src/xds/generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { Cluster__Output } from '../src/xds/generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment__Output } from '../src/xds/generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { DiscoveryRequest } from '../src/xds/generated/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../src/xds/generated/envoy/service/discovery/v3/DiscoveryResponse';
import { decodeMessage } from '../src/xds/proto';
import { TypeUrl } from '../src/xds/type-urls';
import { CliProcess, request, type LogRecord } from './support/cli-process';
import { waitFor } from './support/xds-client';

jest.setTimeout(60_000);

const UPSTREAM_CLUSTER = 'httpbin_httpbin';
const ROUTE_CLUSTER = 'httproute.default.demo.0';
/** Short Lease timings (hidden flags) so that a takeover after a crash fits in the test. */
const LEASE_FLAGS = ['--lease-duration', '3s', '--lease-renew-deadline', '2s', '--lease-retry-period', '500ms'];

/** A raw SotW ADS stream: every Cluster (wildcard), the endpoints of each; ACKs everything, keeps the latest. */
class AdsView {
  clusters = new Map<string, Cluster__Output>();
  endpoints = new Map<string, ClusterLoadAssignment__Output>();
  private readonly client: AggregatedDiscoveryServiceClient;
  private readonly stream: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>;
  private readonly node = { id: 'e2e-kubernetes', cluster: 'e2e' };
  private edsNames = '';

  constructor(port: number) {
    this.client = adsClient(port);
    this.stream = this.client.StreamAggregatedResources();
    this.stream.on('error', () => undefined);
    this.stream.on('data', (r: DiscoveryResponse__Output) => this.onResponse(r));
    this.stream.write({ node: this.node, type_url: TypeUrl.Cluster, resource_names: [] });
  }

  /** `address:port` of every endpoint of a cluster. */
  hosts(cluster: string): string[] {
    const cla = this.endpoints.get(cluster);
    return (cla?.endpoints ?? []).flatMap((l) => l.lb_endpoints.map((e) => `${e.endpoint?.address?.socket_address?.address}:${e.endpoint?.address?.socket_address?.port_value}`));
  }

  probeInterval(cluster = UPSTREAM_CLUSTER): string | undefined {
    const interval = this.clusters.get(cluster)?.health_checks[0]?.interval;
    return interval ? `${interval.seconds}s` : undefined;
  }

  close(): void {
    this.stream.end();
    this.stream.cancel();
    this.client.close();
  }

  private onResponse(r: DiscoveryResponse__Output): void {
    const ack = { node: this.node, type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce };
    if (r.type_url === TypeUrl.Cluster) {
      this.clusters = new Map(r.resources.map((a) => decodeMessage<Cluster__Output>('envoy.config.cluster.v3.Cluster', a.value)).map((c) => [c.name, c]));
      this.stream.write({ ...ack, resource_names: [] });
      const names = [...this.clusters.keys()].sort();
      if (names.join(',') !== this.edsNames) {
        this.edsNames = names.join(',');
        this.stream.write({ node: this.node, type_url: TypeUrl.Endpoint, resource_names: names });
      }
    } else if (r.type_url === TypeUrl.Endpoint) {
      const got = r.resources.map((a) => decodeMessage<ClusterLoadAssignment__Output>('envoy.config.endpoint.v3.ClusterLoadAssignment', a.value));
      this.endpoints = new Map(got.map((c) => [c.cluster_name, c]));
      this.stream.write({ ...ack, resource_names: this.edsNames === '' ? [] : this.edsNames.split(',') });
    }
  }
}

describe('serve --kubernetes (real processes, stand-in API server, raw ADS client)', () => {
  let server: FakeApiServer;
  let dir: string;
  const processes: CliProcess[] = [];
  const clients: AdsView[] = [];

  /** Starts a replica with its own kubeconfig and token (to tell its requests apart). */
  const startReplica = async (name: string): Promise<{ hp: CliProcess; ports: { xds: number; admin: number }; token: string }> => {
    const token = `token-${name}`;
    const kubeconfig = writeKubeconfig(dir, server.url, { name: `${name}.kubeconfig`, token });
    const args = ['serve', '--kubernetes', '--kubeconfig', kubeconfig, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0', ...LEASE_FLAGS];
    const hp = await CliProcess.start(name, args, (r) => r['msg'] === 'healthplane ready', 20_000);
    processes.push(hp);
    const ready = hp.records.find((r) => r['msg'] === 'healthplane ready') as LogRecord;
    return { hp, ports: { xds: ready['xdsPort'] as number, admin: ready['adminPort'] as number }, token };
  };
  const view = (xdsPort: number): AdsView => {
    const v = new AdsView(xdsPort);
    clients.push(v);
    return v;
  };
  const lease = (): { holderIdentity?: string } => (server.get('Lease', 'healthplane', 'healthplane-status')?.spec ?? {}) as { holderIdentity?: string };
  const identityOf = (hp: CliProcess): string => `${os.hostname()}_${hp.pid}`;
  const statusWrites = (from: number, token: string): RequestRecord[] =>
    server.requests.slice(from).filter((r) => r.method === 'PATCH' && r.path.endsWith('/status') && r.authorization === `Bearer ${token}`);
  const upstreamState = (): { state?: string; reason?: string } | undefined => {
    const statuses = (server.get('Upstream', 'httpbin', 'httpbin')?.status as Obj | undefined)?.statuses as Obj | undefined;
    return statuses?.healthplane as { state?: string; reason?: string } | undefined;
  };
  const upstreamWith = (edit: (spec: Obj) => Obj): void => {
    const current = server.get('Upstream', 'httpbin', 'httpbin') as Obj;
    server.apply({ ...current, spec: edit(current.spec as Obj) });
  };
  const withInterval = (interval: string) => (spec: Obj): Obj => ({ ...spec, healthChecks: (spec.healthChecks as Obj[]).map((h) => ({ ...h, interval })) });

  beforeAll(async () => {
    // The replicas' Lease identity is hostname_pid unless POD_NAME says otherwise; keep the runner's environment out of it.
    for (const v of ['POD_NAME', 'POD_NAMESPACE', 'KUBECONFIG']) delete process.env[v];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-k8s-'));
    server = await FakeApiServer.start();
    for (const o of seedObjects()) server.apply(o);
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of processes.splice(0)) await p.stop().catch(() => p.kill());
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let a: Awaited<ReturnType<typeof startReplica>>;
  let ads: AdsView;

  it('serves the seeds applied to the API server as Clusters and endpoints, and writes their statuses', async () => {
    a = await startReplica('hp-a');
    ads = view(a.ports.xds);
    await waitFor('both seed clusters with their endpoints over ADS', () => (ads.hosts(UPSTREAM_CLUSTER).length > 0 && ads.hosts(ROUTE_CLUSTER).length > 0 ? true : undefined), 10_000).catch((e: Error) => {
      throw a.hp.withOutput(e);
    });
    expect([...ads.clusters.keys()].sort()).toEqual([ROUTE_CLUSTER, UPSTREAM_CLUSTER].sort());
    expect(ads.hosts(UPSTREAM_CLUSTER)).toEqual(['10.244.0.7:8080']);
    expect(ads.probeInterval()).toBe('2s');
    expect(ads.clusters.get(UPSTREAM_CLUSTER)?.outlier_detection?.consecutive_5xx?.value).toBe(3);

    await waitFor('the Lease and the statuses', () => (lease().holderIdentity === identityOf(a.hp) && upstreamState() !== undefined ? true : undefined), 5000);
    expect(upstreamState()).toMatchObject({ state: 'Warning', reason: expect.stringContaining('healthyThreshold not set') });
    const route = server.get('HTTPRoute', 'default', 'demo')?.status as { parents: { conditions: { type: string; status: string }[] }[] };
    expect(route.parents[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    const ready = await request(a.ports.admin, '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toBe('ready\n  statuses: written by this replica (it holds the Lease)\n');
  });

  it('propagates updates and deletes', async () => {
    upstreamWith(withInterval('3s'));
    server.apply(endpointSlice('httpbin', 'httpbin-abcde', 'httpbin', ['10.244.0.8', '10.244.0.9']));
    await waitFor('the new probe interval and endpoints', () => (ads.probeInterval() === '3s' && ads.hosts(UPSTREAM_CLUSTER).length === 2 ? true : undefined), 5000);
    expect(ads.hosts(UPSTREAM_CLUSTER).sort()).toEqual(['10.244.0.8:8080', '10.244.0.9:8080']);
    server.remove('HTTPRoute', 'default', 'demo');
    await waitFor('the deleted route\'s cluster to be withdrawn', () => (!ads.clusters.has(ROUTE_CLUSTER) ? true : undefined), 5000);
    expect([...ads.clusters.keys()]).toEqual([UPSTREAM_CLUSTER]);
  });

  it('loses nothing when the watches are cut mid-event, and resumes without listing again', async () => {
    const seen = server.requests.length;
    expect(server.dropWatches({ midLine: true })).toBeGreaterThanOrEqual(8);
    // Changed while no watch is open: the informers must get these from the resourceVersion they resume at.
    server.apply(seedObjects().find((o) => o.kind === 'HTTPRoute' && (o.metadata as Obj).name === 'demo') as Obj);
    upstreamWith(withInterval('4s'));
    server.apply(endpointSlice('httpbin', 'httpbin-abcde', 'httpbin', ['10.244.0.10']));
    await waitFor('the changes made while the watches were down', () => (ads.clusters.has(ROUTE_CLUSTER) && ads.probeInterval() === '4s' && ads.hosts(UPSTREAM_CLUSTER).join() === '10.244.0.10:8080' ? true : undefined), 8000).catch((e: Error) => {
      throw a.hp.withOutput(e);
    });
    const after = server.requests.slice(seen).filter((r) => r.method === 'GET' && !r.path.includes('/leases/'));
    expect(after.filter((r) => r.query.watch !== 'true')).toEqual([]); // no list: every watch resumed
    expect(after.filter((r) => r.path.endsWith('/upstreams')).map((r) => r.query.resourceVersion)).toEqual([expect.stringMatching(/^\d+$/)]);
    expect(a.hp.running).toBe(true);
  });

  it('relists after the history was compacted (410 Gone) and drops what was deleted meanwhile', async () => {
    const seen = server.requests.length;
    server.expireWatches();
    server.remove('HTTPRoute', 'default', 'demo');
    server.compact();
    await waitFor('the route deleted during the relist to be withdrawn', () => (!ads.clusters.has(ROUTE_CLUSTER) ? true : undefined), 8000).catch((e: Error) => {
      throw a.hp.withOutput(e);
    });
    expect(server.requests.slice(seen).some((r) => r.method === 'GET' && r.query.watch !== 'true' && r.path.endsWith('/httproutes'))).toBe(true);
    expect(ads.probeInterval()).toBe('4s');
    server.apply(seedObjects().find((o) => o.kind === 'HTTPRoute' && (o.metadata as Obj).name === 'demo') as Obj);
    await waitFor('the route again', () => (ads.clusters.has(ROUTE_CLUSTER) ? true : undefined), 5000);
  });

  it('two replicas: both serve, only the Lease holder writes statuses, the other takes over when it stops', async () => {
    const b = await startReplica('hp-b');
    const adsB = view(b.ports.xds);
    await waitFor('B to serve the same clusters', () => (adsB.probeInterval() === '4s' && adsB.clusters.has(ROUTE_CLUSTER) ? true : undefined), 10_000);
    expect((await request(b.ports.admin, '/ready')).body).toBe('ready\n  statuses: written by the replica holding the Lease (not this one)\n');
    expect(lease().holderIdentity).toBe(identityOf(a.hp));

    // A change both replicas translate: only A writes the new status.
    const seen = server.requests.length;
    upstreamWith((spec) => ({ ...spec, outlierDetection: { ...(spec.outlierDetection as Obj), maxEjectionPercent: 150 } }));
    await waitFor('the rejected Upstream\'s status', () => (upstreamState()?.state === 'Rejected' ? true : undefined), 5000);
    expect(upstreamState()?.reason).toContain('maxEjectionPercent');
    expect(ads.clusters.get(UPSTREAM_CLUSTER)?.outlier_detection?.max_ejection_percent?.value).toBe(100); // the last valid version stays served
    expect(statusWrites(seen, a.token).length).toBeGreaterThan(0);
    expect(statusWrites(seen, b.token)).toEqual([]);

    // A stops (SIGTERM releases the Lease): B takes over and writes the next status.
    const stoppedAt = Date.now();
    expect(await a.hp.stop()).toBe(0);
    await waitFor('B to hold the Lease', () => (lease().holderIdentity === identityOf(b.hp) ? true : undefined), 5000);
    expect(Date.now() - stoppedAt).toBeLessThan(3000); // well under a lease duration: the Lease was released
    const handover = server.requests.length;
    upstreamWith((spec) => ({ ...spec, outlierDetection: { ...(spec.outlierDetection as Obj), maxEjectionPercent: 100 } }));
    await waitFor('B to report the fixed Upstream', () => (upstreamState()?.state === 'Warning' ? true : undefined), 5000).catch((e: Error) => {
      throw b.hp.withOutput(e);
    });
    expect(statusWrites(handover, b.token).length).toBeGreaterThan(0);
    expect((await request(b.ports.admin, '/ready')).body).toContain('statuses: written by this replica');

    // B dies without releasing the Lease: C takes it once it has not been renewed for a lease duration (3 s).
    const c = await startReplica('hp-c');
    expect(lease().holderIdentity).toBe(identityOf(b.hp));
    const killedAt = Date.now();
    await b.hp.kill();
    await waitFor('C to take the Lease over', () => (lease().holderIdentity === identityOf(c.hp) ? true : undefined), 8000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2500);
    const takeover = server.requests.length;
    upstreamWith(withInterval('5s'));
    const adsC = view(c.ports.xds);
    await waitFor('C to serve the edit', () => (adsC.probeInterval() === '5s' ? true : undefined), 5000);
    server.remove('Upstream', 'httpbin', 'httpbin');
    server.apply({ ...(seedObjects().find((o) => o.kind === 'Upstream') as Obj) });
    await waitFor('C to write the recreated Upstream\'s status', () => (upstreamState()?.state === 'Warning' ? true : undefined), 5000);
    expect(statusWrites(takeover, c.token).length).toBeGreaterThan(0);
  });
});

describe('serve --kubernetes when the API server is away or lacks a CRD (real processes)', () => {
  let dir: string;
  const servers: FakeApiServer[] = [];
  const processes: CliProcess[] = [];

  const spawn = async (name: string, url: string, extra: readonly string[], ready: (r: LogRecord) => boolean): Promise<CliProcess> => {
    const kubeconfig = writeKubeconfig(dir, url, { name: `${name}.kubeconfig` });
    const args = ['serve', '--kubernetes', '--kubeconfig', kubeconfig, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0', ...extra];
    const hp = await CliProcess.start(name, args, ready, 20_000);
    processes.push(hp);
    return hp;
  };
  const adminListening = (r: LogRecord): boolean => typeof r['adminPort'] === 'number';
  const adminPortOf = (hp: CliProcess): number => hp.records.find(adminListening)?.['adminPort'] as number;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-k8s-away-'));
  });
  afterAll(async () => {
    for (const p of processes.splice(0)) await p.stop().catch(() => p.kill());
    for (const s of servers.splice(0)) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers /ready 503 with the reason while nothing could be listed, keeps retrying, and serves once the API server is back', async () => {
    const server = await FakeApiServer.start();
    servers.push(server);
    for (const o of seedObjects()) server.apply(o);
    await server.goAway();
    const hp = await spawn('hp-away', server.url, [], adminListening);
    const notReady = await request(adminPortOf(hp), '/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/^not ready: the Kubernetes informers have not listed every kind yet\n {2}[A-Za-z]+: not listed yet/);
    expect(notReady.body).toContain('  Service: not listed yet');
    await server.comeBack();
    await hp.waitForRecord('the ready line once the API server is back', (r) => r['msg'] === 'healthplane ready', 15_000);
    const ready = await request(adminPortOf(hp), '/ready');
    expect([ready.status, ready.body.split('\n')[0]]).toEqual([200, 'ready']);
    expect(await hp.stop()).toBe(0);
  });

  it('stops at once on SIGTERM during the first sync', async () => {
    const server = await FakeApiServer.start();
    servers.push(server);
    await server.goAway();
    const hp = await spawn('hp-sigterm', server.url, [], adminListening);
    const asked = Date.now();
    expect(await hp.stop('SIGTERM', 5000)).toBe(0);
    expect(Date.now() - asked).toBeLessThan(3000);
    expect(hp.records.some((r) => r['msg'] === 'stopping before start completed')).toBe(true);
  });

  it('serves the kinds that exist when a CRD is missing, explains it on /ready, and runs the native proxy with --proxy-port', async () => {
    const server = await FakeApiServer.start({ missing: ['Upstream'] });
    servers.push(server);
    for (const o of seedObjects()) server.apply(o);
    const hp = await spawn('hp-missing', server.url, ['--proxy-port', '0', '--proxy-address', '127.0.0.1'], (r) => r['msg'] === 'healthplane ready');
    const admin = adminPortOf(hp);
    const ready = await request(admin, '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('\n  Upstream: the upstreams.gloo.solo.io CRD (gloo.solo.io/v1) is not installed; not watched\n');
    expect(hp.records.some((r) => r['level'] === 'warn' && String(r['msg']).startsWith('Upstream is not served by the API server'))).toBe(true);
    const clusters = await request(admin, '/clusters?format=json');
    expect(clusters.body).toContain(ROUTE_CLUSTER);
    expect(clusters.body).not.toContain(UPSTREAM_CLUSTER);
    const line = hp.records.find((r) => r['msg'] === 'healthplane ready') as LogRecord;
    expect(line['proxyPort']).toEqual(expect.any(Number));
  });
});
