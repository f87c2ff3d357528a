import { http, ok, refused, reset } from '../../../test/fakes/fake-prober';
import { KONG_DEFAULTS } from '../../ir/defaults';
import type * as ir from '../../ir/types';
import { classifyPassive, classifyProbe, classifyStatus, limitOf } from './kong-classify';

const passive: ir.KongPassiveSettings = {
  type: 'http',
  healthy: { successes: 3, httpStatuses: [...KONG_DEFAULTS.passive.healthyHttpStatuses] },
  unhealthy: { httpFailures: 4, tcpFailures: 5, timeouts: 6, httpStatuses: [...KONG_DEFAULTS.passive.unhealthyHttpStatuses] },
};

const active: ir.KongActiveSettings = {
  type: 'http',
  httpPath: '/',
  httpsVerifyCertificate: true,
  timeoutMs: 1000,
  concurrency: 10,
  headers: [],
  healthy: { intervalMs: 5000, successes: 7, httpStatuses: [...KONG_DEFAULTS.active.healthyHttpStatuses] },
  unhealthy: { intervalMs: 5000, httpFailures: 8, tcpFailures: 9, timeouts: 10, httpStatuses: [...KONG_DEFAULTS.active.unhealthyHttpStatuses] },
};

describe('classifyPassive (proxied requests)', () => {
  const status = (s: number): string | undefined => classifyPassive({ type: 'response', status: s, latencyMs: 1 }, passive);

  it('counts the default healthy statuses as successes and 429/500/503 as HTTP failures', () => {
    expect([200, 204, 226, 302, 308].map(status)).toEqual(['success', 'success', 'success', 'success', 'success']);
    expect([429, 500, 503].map(status)).toEqual(['http', 'http', 'http']);
  });

  it('ignores 404, 502 and other statuses in neither list', () => {
    expect([404, 502, 501, 400, 418].map(status)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('reports a 504 as a timeout, never as an HTTP status', () => {
    expect(status(504)).toBe('timeout');
    const listed = { ...passive, unhealthy: { ...passive.unhealthy, httpStatuses: [504] } };
    expect(classifyPassive({ type: 'response', status: 504, latencyMs: 1 }, listed)).toBe('timeout');
  });

  it('maps connection failures to TCP failures and timeouts to timeouts; a bare connect is not reported', () => {
    expect(classifyPassive({ type: 'connect-failure' }, passive)).toBe('tcp');
    expect(classifyPassive({ type: 'timeout' }, passive)).toBe('timeout');
    expect(classifyPassive({ type: 'connect-success' }, passive)).toBeUndefined();
  });
});

describe('classifyProbe (active checks)', () => {
  it('uses the active lists: 200/302 succeed, 404 and 5xx fail, others are ignored', () => {
    expect(classifyProbe(http(200), active)).toBe('success');
    expect(classifyProbe(http(302), active)).toBe('success');
    expect(classifyProbe(http(404), active)).toBe('http');
    expect(classifyProbe(http(504), active)).toBe('http');
    expect(classifyProbe(http(201), active)).toBeUndefined();
  });

  it('treats status 0 as an HTTP failure and the healthy list as winning over the unhealthy one', () => {
    expect(classifyStatus(0, active)).toBe('http');
    expect(classifyStatus(500, { healthy: { httpStatuses: [500] }, unhealthy: { httpStatuses: [500] } })).toBe('success');
  });

  it('counts connect and reset errors (TLS included) as TCP failures and probe timeouts as timeouts', () => {
    expect(classifyProbe(refused, active)).toBe('tcp');
    expect(classifyProbe(reset, active)).toBe('tcp');
    expect(classifyProbe({ kind: 'network', failure: 'timeout', detail: '' }, active)).toBe('timeout');
    expect(classifyProbe(ok, active)).toBe('success');
  });
});

describe('limitOf', () => {
  it('reads the threshold of the section that produced the result', () => {
    expect(['success', 'http', 'tcp', 'timeout'].map((c) => limitOf(c as 'success', passive))).toEqual([3, 4, 5, 6]);
    expect(['success', 'http', 'tcp', 'timeout'].map((c) => limitOf(c as 'success', active))).toEqual([7, 8, 9, 10]);
  });
});
