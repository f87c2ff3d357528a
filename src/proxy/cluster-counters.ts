/**
 * ClusterCounters: the Envoy-named stats of one cluster (`cluster.<name>.upstream_rq_total`, ...)
 * as Stats handles built once per pool, so a forwarded request never builds a stat name. Status
 * counters (`upstream_rq_503`, `upstream_rq_5xx`) are made on first use and kept. Never reads them.
 */
import type { Counter, Gauge, Stats } from './stats';

export interface ClusterCounters {
  readonly rqTotal: Counter;
  readonly rqCompleted: Counter;
  readonly rqTimeout: Counter;
  readonly rqPerTryTimeout: Counter;
  readonly rqCancelled: Counter;
  readonly rqRetry: Counter;
  readonly rqRetrySuccess: Counter;
  readonly rqRetryOverflow: Counter;
  /** Requests refused by the `max_requests` / `max_pending_requests` breakers (Envoy counts both here). */
  readonly rqPendingOverflow: Counter;
  readonly rqRetryLimitExceeded: Counter;
  readonly rqActive: Gauge;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxConnectFail: Counter;
  readonly cxConnectTimeout: Counter;
  readonly cxDestroyRemoteWithActiveRq: Counter;
  readonly cxNoneHealthy: Counter;
  readonly lbHealthyPanic: Counter;
  readonly membershipChange: Counter;
  readonly membershipTotal: Gauge;
  readonly membershipHealthy: Gauge;
  readonly membershipDegraded: Gauge;
  readonly membershipExcluded: Gauge;
  /** `upstream_rq_<status>`, `upstream_rq_<N>xx` and `upstream_rq_completed` for one response (or local reply). */
  chargeStatus(status: number): void;
}

export function clusterCounters(stats: Stats, cluster: string): ClusterCounters {
  const prefix = `cluster.${cluster}.`;
  const c = (name: string): Counter => stats.counter(prefix + name);
  const g = (name: string): Gauge => stats.gauge(prefix + name);
  /** `upstream_rq_<status>` by status code (an array: a status is a small integer). */
  const byStatus: (Counter | undefined)[] = [];
  const byClass = [1, 2, 3, 4, 5].map((n) => c(`upstream_rq_${n}xx`));
  const rqCompleted = c('upstream_rq_completed');
  return {
    rqTotal: c('upstream_rq_total'),
    rqCompleted,
    rqTimeout: c('upstream_rq_timeout'),
    rqPerTryTimeout: c('upstream_rq_per_try_timeout'),
    rqCancelled: c('upstream_rq_cancelled'),
    rqRetry: c('upstream_rq_retry'),
    rqRetrySuccess: c('upstream_rq_retry_success'),
    rqRetryOverflow: c('upstream_rq_retry_overflow'),
    rqPendingOverflow: c('upstream_rq_pending_overflow'),
    rqRetryLimitExceeded: c('upstream_rq_retry_limit_exceeded'),
    rqActive: g('upstream_rq_active'),
    cxTotal: c('upstream_cx_total'),
    cxActive: g('upstream_cx_active'),
    cxConnectFail: c('upstream_cx_connect_fail'),
    cxConnectTimeout: c('upstream_cx_connect_timeout'),
    cxDestroyRemoteWithActiveRq: c('upstream_cx_destroy_remote_with_active_rq'),
    cxNoneHealthy: c('upstream_cx_none_healthy'),
    lbHealthyPanic: c('lb_healthy_panic'),
    membershipChange: c('membership_change'),
    membershipTotal: g('membership_total'),
    membershipHealthy: g('membership_healthy'),
    membershipDegraded: g('membership_degraded'),
    membershipExcluded: g('membership_excluded'),
    chargeStatus(status) {
      let s = byStatus[status];
      if (!s) {
        s = c(`upstream_rq_${status}`);
        if (Number.isInteger(status) && status >= 0 && status < 1000) byStatus[status] = s;
      }
      s.inc();
      const cls = byClass[Math.floor(status / 100) - 1];
      if (cls) cls.inc();
      else c(`upstream_rq_${Math.floor(status / 100)}xx`).inc();
      rqCompleted.inc();
    },
  };
}
