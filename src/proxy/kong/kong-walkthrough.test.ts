/**
 * Kong's "Health Checks" how-to for the ingress controller, replayed on fake time: the IR is the
 * translator's golden output for the how-to's HTTPRoute + KongUpstreamPolicy (passive only, then
 * active), the host pick is the proxy's real LoadBalancer, the upstream is httpbin's /status/<n>.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeProber, http } from '../../../test/fakes/fake-prober';
import type * as ir from '../../ir/types';
import { LoadBalancer } from '../load-balancer';
import { healthPolicyOf } from '../upstream-pool';
import { KongClusterHealth } from './kong-cluster-health';
import { kongNoPeerReply } from './kong-responses';

const UPSTREAM = 'httproute.default.demo.0';

function goldenBackend(file: string): ir.Backend {
  const text = readFileSync(path.join(__dirname, '../../../test/translate/testdata', file), 'utf8');
  const found = (parse(text) as ir.Ir).backends.find((b) => b.name === UPSTREAM);
  if (!found) throw new Error(`${UPSTREAM} not in ${file}`);
  return found;
}

const passiveOnly = goldenBackend('seed-kong-passive-httproute.ir.yaml');
const withActive = goldenBackend('seed-kong-active-httproute.ir.yaml');

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

function walkthrough() {
  const clock = new FakeClock();
  const prober = new FakeProber(clock);
  const health = new KongClusterHealth(passiveOnly, { clock, probers: () => prober });
  let lb = new LoadBalancer({ policy: 'round-robin', health: healthPolicyOf(passiveOnly), random: new FakeRandom(), activeRequests: () => 0 });
  const target = health.hosts()[0]?.key ?? '';
  /** `curl /test/status/<n>`: httpbin answers <n> when Kong finds a peer. */
  const curl = (status: number): Reply => {
    const pick = lb.pick(health.hosts());
    if (!pick.host) return kongNoPeerReply({ receivedAt: clock.now(), now: clock.now() });
    health.reportResult(pick.host.key, { type: 'response', status, latencyMs: 3 });
    return { status, body: '', headers: {} };
  };
  const apply = (b: ir.Backend): void => {
    health.update(b);
    lb = new LoadBalancer({ policy: 'round-robin', health: healthPolicyOf(b), random: new FakeRandom(), activeRequests: () => 0 });
  };
  prober.respondWith(target, http(200));
  return { clock, prober, health, target, curl, apply, secs: (s: number) => clock.advance(s * 1000) };
}

describe("Kong's health-check how-to, step by step", () => {
  it('uses the how-to policies as the translator emits them', () => {
    expect(passiveOnly.engine).toBe('kong');
    expect(passiveOnly.kong?.passive.healthy.successes).toBe(3);
    expect(passiveOnly.kong?.passive.unhealthy.httpFailures).toBe(3);
    expect(withActive.kong?.active).toMatchObject({ httpPath: '/status/200', healthy: { intervalMs: 5000, successes: 3 }, unhealthy: { intervalMs: 5000, httpFailures: 1 } });
  });

  it('passive only: two failures and a success keep the target; three more failures open a circuit that never closes', () => {
    const w = walkthrough();
    expect(w.curl(500).status).toBe(500);
    expect(w.curl(500).status).toBe(500);
    // The third request succeeds and, with successes: 3, resets the failure counters.
    expect(w.curl(200).status).toBe(200);
    expect(w.curl(500).status).toBe(500);
    expect(w.curl(500).status).toBe(500);
    expect(w.curl(500).status).toBe(500);
    const refused = w.curl(200);
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({ message: 'failure to get a peer from the ring-balancer' });
    expect(refused.headers['content-length']).toBe('62');
    // However long we wait, the passive circuit stays open: no probes, no timers.
    w.secs(24 * 3600);
    expect(w.curl(200).status).toBe(503);
    expect(w.prober.started).toHaveLength(0);
    expect(w.health.hosts()[0]?.healthFlags).toBe('/failed_outlier_check');
  });

  it('passive only: the Admin API sets the target healthy again', () => {
    const w = walkthrough();
    for (let i = 0; i < 3; i++) w.curl(500);
    expect(w.curl(200).status).toBe(503);
    expect(w.health.setTargetHealth(w.target, true)).toBe(true);
    expect(w.curl(200).status).toBe(200);
  });

  it('active: the new policy brings the tripped target back after 15 s, and again after tripping it once more', () => {
    const w = walkthrough();
    for (let i = 0; i < 3; i++) w.curl(500);
    w.secs(60);
    expect(w.curl(200).status).toBe(503);
    w.apply(withActive);
    // The state survived the policy update; the unhealthy round probes /status/200 every 5 s.
    w.secs(14.9);
    expect(w.curl(200).status).toBe(503);
    expect(w.prober.attempts(w.target)).toHaveLength(2);
    w.secs(0.1);
    expect(w.curl(200).status).toBe(200);
    expect(w.health.hosts()[0]?.healthFlags).toBe('healthy');
    // Trip it again with three 500s right after the 15 s round: it fails for 15 s, then recovers.
    for (let i = 0; i < 3; i++) expect(w.curl(500).status).toBe(500);
    expect(w.curl(200).status).toBe(503);
    w.secs(14.9);
    expect(w.curl(200).status).toBe(503);
    w.secs(0.1);
    expect(w.curl(200).status).toBe(200);
  });
});
