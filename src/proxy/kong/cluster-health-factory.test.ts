import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import type * as ir from '../../ir/types';
import { EnvoyClusterHealth } from '../health/envoy-cluster-health';
import { Stats } from '../stats';
import { clusterHealthFactory } from './cluster-health-factory';
import { KongClusterHealth } from './kong-cluster-health';

const base: ir.Backend = {
  name: 'b',
  origins: [],
  engine: 'envoy',
  connectTimeoutMs: 5000,
  loadBalancing: 'round-robin',
  endpoints: [{ address: '10.0.0.1', port: 80, weight: 1, health: 'healthy' }],
};

describe('clusterHealthFactory', () => {
  it('picks the engine by backend.engine', () => {
    const clock = new FakeClock();
    const factory = clusterHealthFactory({ clock, random: new FakeRandom(), stats: new Stats() });
    const envoy = factory(base);
    const kong = factory({ ...base, name: 'httproute.default.demo.0', engine: 'kong' });
    expect(envoy).toBeInstanceOf(EnvoyClusterHealth);
    expect(kong).toBeInstanceOf(KongClusterHealth);
    expect([envoy.engine, kong.engine]).toEqual(['envoy', 'kong']);
    expect(kong.hosts().map((h) => h.healthFlags)).toEqual(['healthy']);
    envoy.stop();
    kong.stop();
  });
});
