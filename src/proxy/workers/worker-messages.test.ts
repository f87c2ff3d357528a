import type { RequestOutcome } from '../health/cluster-health';
import { decodeOutcome, encodeOutcome, hostHealthWire, isFromWorker, isToWorker } from './worker-messages';
import { aHost } from '../../../test/fakes/fake-cluster-health';
import { HostFlag } from '../health/cluster-health';

describe('outcome codes', () => {
  it('round-trips every outcome kind through one number', () => {
    const outcomes: RequestOutcome[] = [
      { type: 'response', status: 200, latencyMs: 3 },
      { type: 'response', status: 503, latencyMs: 1.5 },
      { type: 'response', status: 503, latencyMs: 2, immediateHealthCheckFail: true },
      { type: 'connect-failure' },
      { type: 'timeout' },
      { type: 'connect-success' },
    ];
    for (const o of outcomes) expect(decodeOutcome(encodeOutcome(o), o.type === 'response' ? o.latencyMs : 0)).toEqual(o);
  });

  it('rejects a code no worker sends', () => {
    expect(decodeOutcome(42, 0)).toBeUndefined();
    expect(decodeOutcome(-9, 0)).toBeUndefined();
    expect(decodeOutcome(1700, 0)).toBeUndefined();
  });
});

describe('message guards', () => {
  it("tells healthplane's messages from node:cluster's own", () => {
    expect(isFromWorker({ type: 'outcomes', hosts: [], data: [] })).toBe(true);
    expect(isFromWorker({ cmd: 'NODE_CLUSTER', act: 'online' })).toBe(false);
    expect(isFromWorker('hello')).toBe(false);
    expect(isToWorker({ type: 'listen' })).toBe(true);
    expect(isToWorker({ type: 'outcomes' })).toBe(false);
  });
});

describe('hostHealthWire', () => {
  it('keeps what a load balancer reads and nothing else', () => {
    const host = { ...aHost('10.0.0.1', { flags: HostFlag.FAILED_OUTLIER_CHECK, weight: 3 }), healthFlags: '/failed_outlier_check', successRate: 12 };
    expect(hostHealthWire(host)).toEqual({ key: '10.0.0.1:80', address: '10.0.0.1', port: 80, weight: 3, hostname: '', flags: HostFlag.FAILED_OUTLIER_CHECK, coarse: 'unhealthy', excluded: false });
  });
});
