import { silentLogger } from '../../log';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeApiServer } from '../../../test/k8s/fake-api-server';
import { kubeConfigFor } from '../../../test/k8s/kube-config';
import { KubeHttpApi } from './api-client';
import { LeaderElection, microTime } from './leader-election';

describe('LeaderElection on a Lease of the stand-in API server', () => {
  let server: FakeApiServer;
  let clock: FakeClock;
  const replicas: LeaderElection[] = [];

  beforeEach(async () => {
    server = await FakeApiServer.start();
    clock = new FakeClock();
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) await r.stop(false);
    await server.close();
  });

  const replica = (identity: string): LeaderElection => {
    const api = new KubeHttpApi(kubeConfigFor(server.url), 5000);
    const r = new LeaderElection({ api, clock, random: new FakeRandom([0]), logger: silentLogger, namespace: 'healthplane', name: 'healthplane-status', identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    replicas.push(r);
    return r;
  };
  const lease = (): { holderIdentity?: string; leaseTransitions?: number; renewTime?: string } =>
    (server.get('Lease', 'healthplane', 'healthplane-status')?.spec ?? {}) as { holderIdentity?: string };
  /** Advances fake time one retry period and lets every replica finish its attempt. */
  const period = async (ms = 2000): Promise<void> => {
    clock.advance(ms);
    for (const r of replicas) await r.whenIdle();
  };

  it('creates the Lease and leads; a second replica follows while the leader renews', async () => {
    const a = replica('a');
    a.start();
    await a.whenIdle();
    expect(a.isLeader()).toBe(true);
    expect(lease()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, renewTime: microTime(clock.now()) });
    const b = replica('b');
    b.start();
    await b.whenIdle();
    for (let i = 0; i < 10; i++) await period();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(lease().renewTime).toBe(microTime(clock.now()));
  });

  it('hands over at once when the leader stops and releases the Lease', async () => {
    const a = replica('a');
    const b = replica('b');
    const changes: string[] = [];
    a.onChange((l) => changes.push(`a:${l}`));
    b.onChange((l) => changes.push(`b:${l}`));
    a.start();
    await a.whenIdle();
    b.start();
    await b.whenIdle();
    await a.stop();
    expect(lease().holderIdentity).toBe('');
    await period();
    expect(b.isLeader()).toBe(true);
    expect(lease()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(changes).toEqual(['a:true', 'a:false', 'b:true']);
  });

  it('takes over from a leader that vanished, only after a whole lease duration', async () => {
    const a = replica('a');
    const b = replica('b');
    a.start();
    await a.whenIdle();
    b.start();
    await b.whenIdle();
    await a.stop(false); // crashed: no release
    for (let t = 2000; t < 14_000; t += 2000) {
      await period();
      expect(b.isLeader()).toBe(false);
    }
    await period();
    await period();
    expect(b.isLeader()).toBe(true);
    expect(lease().holderIdentity).toBe('b');
  });

  it('stops leading at once when it cannot renew within the renew deadline', async () => {
    const a = replica('a');
    a.start();
    await a.whenIdle();
    server.failNext(100, 500, (r) => r.path.includes('/leases'));
    clock.advance(9_999);
    expect(a.isLeader()).toBe(true);
    clock.advance(1); // 10 s without a renewal: no longer leader, before any attempt completes
    expect(a.isLeader()).toBe(false);
    await period();
    expect(a.isLeader()).toBe(false);
  });

  it('lets exactly one of two simultaneous candidates win', async () => {
    const a = replica('a');
    const b = replica('b');
    a.start();
    b.start();
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    await period();
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(lease().holderIdentity).toBe(a.isLeader() ? 'a' : 'b');
  });

  it('loses the lease when another replica holds it after an expiry', async () => {
    const a = replica('a');
    a.start();
    await a.whenIdle();
    const current = server.get('Lease', 'healthplane', 'healthplane-status') as Record<string, unknown>;
    server.apply({ ...current, spec: { ...(current.spec as object), holderIdentity: 'intruder' } });
    await period();
    expect(a.isLeader()).toBe(false);
  });
});
