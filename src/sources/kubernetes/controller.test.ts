import { silentLogger } from '../../log';
import { Reconciler } from '../../reconcile/reconciler';
import { translateInputs } from '../../translate/translate';
import { SnapshotCache } from '../../xds/cache/snapshot-cache';
import { toXdsResources } from '../../xds/translate';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeApiServer } from '../../../test/k8s/fake-api-server';
import { kubeConfigFor } from '../../../test/k8s/kube-config';
import { seedObjects, type Obj } from '../../../test/k8s/seed-objects';
import { until } from '../../../test/k8s/waits';
import { ResourceStore } from '../store';
import { KubernetesController } from './controller';

const CONTROLLER = 'healthplane.dev/gateway-controller';

interface Replica {
  readonly controller: KubernetesController;
  readonly store: ResourceStore;
  readonly reconciler: Reconciler;
}

describe('two healthplane replicas on the stand-in API server', () => {
  let server: FakeApiServer;
  let clock: FakeClock;
  const replicas: Replica[] = [];

  beforeEach(async () => {
    server = await FakeApiServer.start();
    clock = new FakeClock(Date.UTC(2025, 0, 1));
    for (const o of seedObjects()) server.apply(o);
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      r.reconciler.stop();
      await r.controller.stop();
    }
    await server.close();
  });

  const start = async (identity: string): Promise<Replica> => {
    const store = new ResourceStore();
    const controller = new KubernetesController({
      config: kubeConfigFor(server.url), namespaces: [], clock, random: new FakeRandom([0]), logger: silentLogger, identity, leaseNamespace: 'healthplane',
      controllerName: CONTROLLER, timing: { minWatchIntervalMs: 0 }, election: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    });
    // The wiring app.ts does: every reconcile's report goes to the status writer (onReport).
    const reconciler = new Reconciler({
      store, cache: new SnapshotCache({ clock, logger: silentLogger }), clock, logger: silentLogger, translate: (i) => translateInputs(i), toXds: toXdsResources,
      onReport: (report) => controller.reconciled(report),
    });
    store.on('changed', () => reconciler.reconcile());
    await controller.start(store);
    reconciler.reconcile();
    await controller.election?.whenIdle();
    const r = { controller, store, reconciler };
    replicas.push(r);
    return r;
  };
  const upstreamState = (): unknown => ((server.get('Upstream', 'httpbin', 'httpbin')?.status as Obj | undefined)?.statuses as Obj | undefined)?.healthplane;
  const writes = (r: Replica): number => r.controller.writer.stats.writes;
  const idle = async (): Promise<void> => {
    for (const r of replicas) {
      await r.controller.election?.whenIdle();
      await r.controller.writer.whenIdle();
    }
  };

  it('both serve the seeds\' clusters; only the leader writes status; the other takes over when it stops', async () => {
    const a = await start('a');
    const b = await start('b');
    for (const r of [a, b]) {
      const backends = r.reconciler.lastReport()?.objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(backends).toEqual(expect.arrayContaining(['Upstream/httpbin', 'HTTPRoute/demo', 'KongUpstreamPolicy/demo-health-checking']));
      expect(r.reconciler.lastReport()?.snapshot).toMatchObject({ status: expect.stringMatching(/^(published|unchanged)$/), resources: expect.any(Number) });
    }
    await idle();
    expect(a.controller.readiness()).toMatchObject({ synced: true, leader: true, notes: [] });
    expect(b.controller.readiness().leader).toBe(false);
    expect(upstreamState()).toEqual({ state: 'Warning', reason: expect.stringContaining('healthyThreshold not set; defaulted to 1'), reportedBy: 'healthplane' });
    const route = server.get('HTTPRoute', 'default', 'demo')?.status as { parents: { controllerName: string; conditions: { type: string; status: string }[] }[] };
    expect(route.parents[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    const gateway = server.get('Gateway', 'default', 'kong')?.status as { listeners: { attachedRoutes: number }[] };
    expect(gateway.listeners[0]?.attachedRoutes).toBe(1);
    const policy = server.get('KongUpstreamPolicy', 'default', 'demo-health-checking')?.status as { ancestors: unknown[] };
    expect(policy.ancestors).toHaveLength(1);
    expect([writes(a) > 0, writes(b)]).toEqual([true, 0]);

    // The statuses come back through both replicas' informers: nothing is written again.
    const before = writes(a);
    clock.advance(2000);
    await idle();
    expect(writes(a)).toBe(before);

    // A breaks the Upstream; a stopped A hands over to B, which reports it.
    await a.controller.stop();
    a.reconciler.stop();
    replicas.splice(replicas.indexOf(a), 1);
    clock.advance(2000);
    await idle();
    expect(b.controller.readiness().leader).toBe(true);
    const broken = server.get('Upstream', 'httpbin', 'httpbin') as Obj;
    server.apply({ ...broken, spec: { ...(broken.spec as Obj), outlierDetection: { interval: '10s', maxEjectionPercent: 150 } } });
    await until((fn) => server.store.onEvent(fn), () => (upstreamState() as { state?: string } | undefined)?.state === 'Rejected', 'B to report the broken Upstream');
    expect(upstreamState()).toMatchObject({ state: 'Rejected', reason: expect.stringContaining('maxEjectionPercent') });
    await idle();
    expect(writes(b)).toBeGreaterThan(0);
    // The broken version is not served: the last valid one stays (the reconciler's rule).
    expect(b.reconciler.lastReport()?.lastValid.has('Upstream/httpbin/httpbin')).toBe(true);
  });
});
