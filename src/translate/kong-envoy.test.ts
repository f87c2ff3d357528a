import { kongToEnvoy, NEVER_COUNT } from './kong-envoy';
import { NEVER_MS } from '../ir/defaults';
import type { KongHealthSettings } from '../ir/types';

function settings(over: { active?: Partial<KongHealthSettings['active']>; passive?: Partial<KongHealthSettings['passive']> } = {}): KongHealthSettings {
  return {
    policy: 'KongUpstreamPolicy/default/p',
    checkerEnabled: true,
    threshold: 0,
    active: {
      type: 'http', httpPath: '/', httpsVerifyCertificate: true, timeoutMs: 1000, concurrency: 10, headers: [],
      healthy: { intervalMs: 0, successes: 0, httpStatuses: [200, 302] },
      unhealthy: { intervalMs: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0, httpStatuses: [429, 404, 500] },
      ...over.active,
    },
    passive: {
      type: 'http',
      healthy: { successes: 0, httpStatuses: [200] },
      unhealthy: { httpFailures: 0, tcpFailures: 0, timeouts: 0, httpStatuses: [429, 500, 503] },
      ...over.passive,
    },
  };
}

describe('kongToEnvoy', () => {
  it('always sets panic threshold 0 and ignores health on host removal, with no checks when nothing is enabled', () => {
    expect(kongToEnvoy(settings())).toEqual({ healthyPanicThresholdPercent: 0, ignoreHealthOnHostRemoval: true });
  });

  it('approximates a zero healthy interval with a one-year interval and probes idle clusters at Kong pace', () => {
    const hc = kongToEnvoy(settings({ active: { unhealthy: { intervalMs: 5000, httpFailures: 2, tcpFailures: 0, timeouts: 3, httpStatuses: [500] } } })).healthCheck;
    expect(hc).toMatchObject({ intervalMs: NEVER_MS, unhealthyIntervalMs: 5000, noTrafficIntervalMs: 5000, noTrafficHealthyIntervalMs: NEVER_MS, healthyThreshold: 1, unhealthyThreshold: 2 });
  });

  it('uses the largest threshold when every active failure counter is 0', () => {
    expect(kongToEnvoy(settings({ active: { healthy: { intervalMs: 1000, successes: 1, httpStatuses: [200] } } })).healthCheck?.unhealthyThreshold).toBe(NEVER_COUNT);
  });

  it('maps passive TCP failures and timeouts to split local-origin errors with the smallest threshold', () => {
    const od = kongToEnvoy(settings({ passive: { unhealthy: { httpFailures: 0, tcpFailures: 4, timeouts: 2, httpStatuses: [] } } })).outlierDetection;
    expect(od).toMatchObject({ enforcingConsecutive5xx: 0, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 2, enforcingConsecutiveLocalOriginFailure: 100, baseEjectionTimeMs: NEVER_MS, maxEjectionTimeMs: NEVER_MS });
    expect(od?.consecutive5xx).toBeUndefined();
  });
});
