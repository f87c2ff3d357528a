import { FakeRandom } from '../../test/fakes/fake-clock';
import { backoffMs, ENVOY_RETRY_DEFAULTS, kongRetryPolicy, parseRetryOn, retriable, type RetryOn, type RetryPolicy } from './retry-policy';

const on = (...retryOn: RetryOn[]): RetryPolicy => ({ ...ENVOY_RETRY_DEFAULTS, retryOn });

describe('retriable (Envoy retry_on)', () => {
  it('connect-failure retries only connection failures', () => {
    const p = on('connect-failure');
    expect(retriable(p, { type: 'connect-failure' })).toBe(true);
    expect(retriable(p, { type: 'reset' })).toBe(false);
    expect(retriable(p, { type: 'per-try-timeout' })).toBe(false);
    expect(retriable(p, { type: 'response', status: 503 })).toBe(false);
  });

  it('5xx covers every 5xx, resets, per-try timeouts and connection failures', () => {
    const p = on('5xx');
    for (const status of [500, 501, 503, 599]) expect(retriable(p, { type: 'response', status })).toBe(true);
    expect(retriable(p, { type: 'response', status: 429 })).toBe(false);
    expect(retriable(p, { type: 'reset' })).toBe(true);
    expect(retriable(p, { type: 'per-try-timeout' })).toBe(true);
    expect(retriable(p, { type: 'connect-failure' })).toBe(true);
  });

  it('gateway-error covers 502, 503 and 504 only among statuses; reset covers no status', () => {
    expect([500, 502, 503, 504, 505].map((status) => retriable(on('gateway-error'), { type: 'response', status }))).toEqual([false, true, true, true, false]);
    expect(retriable(on('reset'), { type: 'response', status: 503 })).toBe(false);
    expect(retriable(on('reset'), { type: 'reset' })).toBe(true);
  });

  it("Kong's default: 5 retries of TCP failures, never of statuses, no back-off", () => {
    const k = kongRetryPolicy();
    expect(k.numRetries).toBe(5);
    expect(retriable(k, { type: 'connect-failure' })).toBe(true);
    expect(retriable(k, { type: 'response', status: 502 })).toBe(false);
    expect(backoffMs(k, 1, new FakeRandom([0.9]))).toBe(0);
  });
});

describe('backoffMs (jittered exponential, base 25 ms, max 250 ms)', () => {
  it('draws uniformly below (2^n - 1) × base, capped at the max', () => {
    const p = on('5xx');
    expect(backoffMs(p, 1, new FakeRandom([0.999]))).toBe(24);
    expect(backoffMs(p, 2, new FakeRandom([0.5]))).toBe(37);
    expect(backoffMs(p, 3, new FakeRandom([0.999]))).toBe(174);
    expect(backoffMs(p, 8, new FakeRandom([0.999]))).toBe(249);
    expect(backoffMs(p, 1, new FakeRandom([0]))).toBe(0);
  });
});

describe('parseRetryOn', () => {
  it('accepts the known conditions, comma separated, without duplicates', () => {
    expect(parseRetryOn('connect-failure, 5xx,5xx')).toEqual(['connect-failure', '5xx']);
  });

  it('names what it does not know', () => {
    expect(parseRetryOn('5xx,retriable-4xx')).toBe('unknown retriable-4xx (known: 5xx, gateway-error, reset, connect-failure)');
    expect(parseRetryOn(' , ')).toMatch(/^expected one or more/);
  });
});
