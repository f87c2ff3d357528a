import { healthCheckEventLine, outlierEventLine, protoTimestamp } from './event-log';

const T = Date.UTC(2018, 11, 18, 9, 0, 0);

describe('event log lines (§8)', () => {
  it('prints timestamps like protobuf JSON: no fraction on whole seconds, else milliseconds', () => {
    expect(protoTimestamp(T)).toBe('2018-12-18T09:00:00Z');
    expect(protoTimestamp(Date.UTC(2009, 1, 13, 23, 31, 31, 234))).toBe('2009-02-13T23:31:31.234Z');
  });

  it('matches Envoy’s outlier logger lines byte for byte', () => {
    const base = { cluster: 'fake_cluster', upstreamUrl: '10.0.0.1:443', numEjections: 0, nowMs: T };
    expect(outlierEventLine({ ...base, action: 'EJECT', type: 'CONSECUTIVE_5XX', enforced: true })).toBe(
      '{"type":"CONSECUTIVE_5XX","cluster_name":"fake_cluster","upstream_url":"10.0.0.1:443","action":"EJECT","num_ejections":0,"enforced":true,"eject_consecutive_event":{},"timestamp":"2018-12-18T09:00:00Z"}',
    );
    expect(outlierEventLine({ ...base, action: 'UNEJECT', enforced: false })).toBe(
      '{"type":"CONSECUTIVE_5XX","cluster_name":"fake_cluster","upstream_url":"10.0.0.1:443","action":"UNEJECT","num_ejections":0,"enforced":false,"timestamp":"2018-12-18T09:00:00Z"}',
    );
    const rates = { hostSuccessRate: 0, clusterAverageSuccessRate: 0, clusterSuccessRateEjectionThreshold: 0 };
    expect(outlierEventLine({ ...base, action: 'EJECT', type: 'SUCCESS_RATE', enforced: false, rates, lastActionMs: T - 30_000 })).toBe(
      '{"type":"SUCCESS_RATE","cluster_name":"fake_cluster","upstream_url":"10.0.0.1:443","action":"EJECT","num_ejections":0,"enforced":false,"eject_success_rate_event":{"host_success_rate":0,"cluster_average_success_rate":0,"cluster_success_rate_ejection_threshold":0},"timestamp":"2018-12-18T09:00:00Z","secs_since_last_action":"30"}',
    );
    expect(outlierEventLine({ ...base, action: 'EJECT', type: 'FAILURE_PERCENTAGE', enforced: false, rates, lastActionMs: T - 30_500 })).toBe(
      '{"type":"FAILURE_PERCENTAGE","cluster_name":"fake_cluster","upstream_url":"10.0.0.1:443","action":"EJECT","num_ejections":0,"enforced":false,"eject_failure_percentage_event":{"host_success_rate":0},"timestamp":"2018-12-18T09:00:00Z","secs_since_last_action":"30"}',
    );
  });

  it('truncates success-rate numbers to integers', () => {
    const line = outlierEventLine({
      cluster: 'c',
      upstreamUrl: 'h:1',
      numEjections: 1,
      nowMs: T,
      action: 'EJECT',
      type: 'SUCCESS_RATE_LOCAL_ORIGIN',
      enforced: true,
      rates: { hostSuccessRate: 49.9, clusterAverageSuccessRate: 90.7, clusterSuccessRateEjectionThreshold: 52.5 },
    });
    expect(JSON.parse(line).eject_success_rate_event).toEqual({ host_success_rate: 49, cluster_average_success_rate: 90, cluster_success_rate_ejection_threshold: 52 });
  });

  it('writes the HC event of Envoy’s file-sink test (plus the newest build’s always-printed fields)', () => {
    const line = healthCheckEventLine('HTTP', { address: '10.0.0.1', port: 443 }, 'fake_cluster', { eject_unhealthy_event: { failure_type: 'ACTIVE' } }, Date.UTC(2009, 1, 13, 23, 31, 31, 234));
    expect(JSON.parse(line)).toEqual({
      health_checker_type: 'HTTP',
      host: { socket_address: { protocol: 'TCP', address: '10.0.0.1', port_value: 443, resolver_name: '', ipv4_compat: false, network_namespace_filepath: '' } },
      cluster_name: 'fake_cluster',
      eject_unhealthy_event: { failure_type: 'ACTIVE' },
      timestamp: '2009-02-13T23:31:31.234Z',
      locality: { region: '', zone: '', sub_zone: '' },
    });
  });
});
