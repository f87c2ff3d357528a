import { HostFlag } from './cluster-health';
import { coarseHealth, healthFlagsString, hostKey, HostHealth, isExcluded } from './host-health';

describe('host health flags (§1)', () => {
  it('prints `healthy` with no flag, else every set flag in Envoy’s order', () => {
    expect(healthFlagsString(0)).toBe('healthy');
    expect(healthFlagsString(HostFlag.FAILED_OUTLIER_CHECK | HostFlag.FAILED_ACTIVE_HC)).toBe('/failed_active_hc/failed_outlier_check');
    expect(healthFlagsString(0x3ff)).toBe(
      '/failed_active_hc/failed_outlier_check/failed_eds_health/degraded_active_hc/degraded_eds_health' +
        '/pending_dynamic_removal/pending_active_hc/excluded_via_immediate_hc_fail/active_hc_timeout/eds_status_draining',
    );
  });

  it.each([
    [HostFlag.FAILED_ACTIVE_HC, 'unhealthy'],
    [HostFlag.FAILED_OUTLIER_CHECK, 'unhealthy'],
    [HostFlag.FAILED_EDS_HEALTH, 'unhealthy'],
    [HostFlag.EDS_STATUS_DRAINING, 'unhealthy'],
    [HostFlag.DEGRADED_ACTIVE_HC, 'degraded'],
    [HostFlag.DEGRADED_EDS_HEALTH, 'degraded'],
    [HostFlag.DEGRADED_ACTIVE_HC | HostFlag.FAILED_ACTIVE_HC, 'unhealthy'],
    [HostFlag.PENDING_DYNAMIC_REMOVAL, 'healthy'],
    [HostFlag.PENDING_ACTIVE_HC, 'healthy'],
    [HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, 'healthy'],
    [HostFlag.ACTIVE_HC_TIMEOUT, 'healthy'],
  ])('flags %i are coarse %s', (flags, coarse) => {
    expect(coarseHealth(flags)).toBe(coarse);
  });

  it('excludes pending-active-hc, immediate-fail and draining hosts only', () => {
    expect(isExcluded(HostFlag.PENDING_ACTIVE_HC)).toBe(true);
    expect(isExcluded(HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL)).toBe(true);
    expect(isExcluded(HostFlag.EDS_STATUS_DRAINING)).toBe(true);
    expect(isExcluded(HostFlag.FAILED_ACTIVE_HC | HostFlag.FAILED_OUTLIER_CHECK | HostFlag.PENDING_DYNAMIC_REMOVAL)).toBe(false);
  });

  it('keys hosts as ip:port, brackets around IPv6', () => {
    expect(hostKey('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(hostKey('::1', 80)).toBe('[::1]:80');
  });

  it('counts requests like Envoy’s host stats and renders a view', () => {
    const h = new HostHealth({ address: '10.0.0.1', port: 80, weight: 2, hostname: 'a' }, HostFlag.FAILED_ACTIVE_HC);
    h.countRequest('success');
    h.countRequest('error');
    h.countRequest('timeout');
    h.countRequest('connect-fail');
    expect(h.view()).toEqual({
      key: '10.0.0.1:80',
      address: '10.0.0.1',
      port: 80,
      weight: 2,
      hostname: 'a',
      flags: 1,
      coarse: 'unhealthy',
      excluded: false,
      healthFlags: '/failed_active_hc',
      counters: { rq_total: 4, rq_success: 1, rq_error: 3, rq_timeout: 1, cx_connect_fail: 1 },
      successRate: -1,
      localOriginSuccessRate: -1,
    });
  });
});
