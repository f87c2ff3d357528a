import { Stats } from '../proxy/stats';
import { prometheusHandler, renderPrometheus, renderStatsText, statsHandler, toSample } from './stats-routes';

function sampleStats(): Stats {
  const s = new Stats();
  s.inc('cluster.web_default.upstream_rq_total', 3);
  s.inc('cluster.web_default.upstream_rq_200', 2);
  s.inc('cluster.web_default.upstream_rq_503', 1);
  s.inc('cluster.web_default.upstream_rq_2xx', 2);
  s.inc('cluster.web_default.upstream_rq_5xx', 1);
  s.set('cluster.web_default.membership_healthy', 2);
  s.inc('cluster.httproute.ns.r.0.upstream_rq_total', 4);
  s.inc('http.http_10000.downstream_rq_2xx', 2);
  return s;
}

describe('renderStatsText', () => {
  it('prints `name: value` lines sorted by name', () => {
    expect(renderStatsText(sampleStats().all())).toBe(
      [
        'cluster.httproute.ns.r.0.upstream_rq_total: 4',
        'cluster.web_default.membership_healthy: 2',
        'cluster.web_default.upstream_rq_200: 2',
        'cluster.web_default.upstream_rq_2xx: 2',
        'cluster.web_default.upstream_rq_503: 1',
        'cluster.web_default.upstream_rq_5xx: 1',
        'cluster.web_default.upstream_rq_total: 3',
        'http.http_10000.downstream_rq_2xx: 2',
        '',
      ].join('\n'),
    );
  });
});

describe('toSample (Envoy tag extraction)', () => {
  it.each([
    ['cluster.c.upstream_rq_total', 'envoy_cluster_upstream_rq_total', [['envoy_cluster_name', 'c']]],
    ['cluster.c.upstream_rq_200', 'envoy_cluster_upstream_rq', [['envoy_response_code', '200'], ['envoy_cluster_name', 'c']]],
    ['cluster.c.upstream_rq_5xx', 'envoy_cluster_upstream_rq_xx', [['envoy_response_code_class', '5'], ['envoy_cluster_name', 'c']]],
    ['cluster.c.health_check.attempt', 'envoy_cluster_health_check_attempt', [['envoy_cluster_name', 'c']]],
    ['cluster.c.outlier_detection.ejections_active', 'envoy_cluster_outlier_detection_ejections_active', [['envoy_cluster_name', 'c']]],
    ['http.http_80.downstream_rq_2xx', 'envoy_http_downstream_rq_xx', [['envoy_response_code_class', '2'], ['envoy_http_conn_manager_prefix', 'http_80']]],
    ['server.live', 'envoy_server_live', []],
  ])('%s → %s', (name, metric, labels) => {
    expect(toSample({ name, kind: 'counter', value: 1 }, ['c'])).toMatchObject({ metric, labels });
  });

  it('recognises known cluster names that contain dots', () => {
    expect(toSample({ name: 'cluster.web.ns.80.svc.upstream_rq_total', kind: 'counter', value: 1 }, ['web.ns.80.svc'])).toMatchObject({
      metric: 'envoy_cluster_upstream_rq_total',
      labels: [['envoy_cluster_name', 'web.ns.80.svc']],
    });
  });
});

describe('renderPrometheus', () => {
  it('groups samples under one TYPE line per metric, families sorted', () => {
    const text = renderPrometheus(sampleStats().all(), ['web_default', 'httproute.ns.r.0']);
    expect(text).toBe(
      [
        '# TYPE envoy_cluster_membership_healthy gauge',
        'envoy_cluster_membership_healthy{envoy_cluster_name="web_default"} 2',
        '# TYPE envoy_cluster_upstream_rq counter',
        'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="web_default"} 2',
        'envoy_cluster_upstream_rq{envoy_response_code="503",envoy_cluster_name="web_default"} 1',
        '# TYPE envoy_cluster_upstream_rq_total counter',
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="httproute.ns.r.0"} 4',
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="web_default"} 3',
        '# TYPE envoy_cluster_upstream_rq_xx counter',
        'envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="web_default"} 2',
        'envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",envoy_cluster_name="web_default"} 1',
        '# TYPE envoy_http_downstream_rq_xx counter',
        'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="http_10000"} 2',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values', () => {
    const s = new Stats();
    s.inc('cluster.a"b.upstream_rq_total');
    expect(renderPrometheus(s.all(), ['a"b'])).toContain('envoy_cluster_name="a\\"b"');
  });
});

describe('handlers', () => {
  const q = (s: string) => ({ path: '/stats', query: new URLSearchParams(s) });

  it('/stats filters by regex and usedonly, and calls beforeRender first', async () => {
    const stats = sampleStats();
    stats.set('cluster.web_default.upstream_cx_active', 0);
    let refreshed = 0;
    const handler = statsHandler({ stats, beforeRender: () => refreshed++ });
    const r = await handler(q('filter=upstream_rq_5&usedonly'));
    expect(r).toEqual({ status: 200, body: 'cluster.web_default.upstream_rq_503: 1\ncluster.web_default.upstream_rq_5xx: 1\n' });
    expect(refreshed).toBe(1);
    const used = await handler(q('usedonly'));
    expect(used.body).not.toContain('upstream_cx_active');
  });

  it('/stats?format=json gives name/value objects; a bad regex is a 400', async () => {
    const handler = statsHandler({ stats: sampleStats() });
    const r = await handler(q('format=json&filter=^http'));
    expect(r.body).toEqual({ stats: [{ name: 'http.http_10000.downstream_rq_2xx', value: 2 }] });
    expect((await handler(q('filter=(')))).toMatchObject({ status: 400 });
  });

  it('/stats/prometheus uses the cluster names it is given', async () => {
    const r = await prometheusHandler({ stats: sampleStats(), clusterNames: () => ['httproute.ns.r.0'] })(q(''));
    expect(r.body).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="httproute.ns.r.0"} 4');
  });
});
