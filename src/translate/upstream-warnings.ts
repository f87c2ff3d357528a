/**
 * Semantic warnings for Envoy-engine backends defined by a Gloo Upstream: configurations that are
 * valid but do not do what they appear to (envoy-health.md §10-11). Each says what will happen
 * and how to fix it.
 */
import type { Upstream } from '../model/gloo';
import type { Backend } from '../ir/types';
import { ENVOY_DEFAULTS } from '../ir/defaults';
import type { Report } from './failures';

export function warnEnvoyHealth(up: Upstream, b: Backend, report: Report): void {
  warnHttpThreshold(up, b, report);
  warnNoTrafficInterval(up, b, report);
  warnEventLog(up, b, report);
  warnMaxEjection(up, b, report);
  warnPanic(up, b, report);
}

function warnHttpThreshold(up: Upstream, b: Backend, report: Report): void {
  const hc = b.healthCheck;
  if (!hc || hc.probe.type !== 'http' || hc.unhealthyThreshold <= 1 || hc.probe.retriableStatuses?.length) return;
  report.warn(up, 'spec.healthChecks[0].unhealthyThreshold', 'ThresholdIgnoredForHttpStatus',
    `a probe answered with a status outside the expected ones (default 200) marks a host unhealthy at once; unhealthyThreshold ${hc.unhealthyThreshold} only counts connection failures and timeouts. Lower it to 1 to make that explicit, or expect single bad responses to eject hosts`);
}

function warnNoTrafficInterval(up: Upstream, b: Backend, report: Report): void {
  const hc = b.healthCheck;
  const idle = ENVOY_DEFAULTS.healthCheck.noTrafficIntervalMs;
  if (!hc || hc.noTrafficIntervalMs !== undefined || hc.intervalMs >= idle) return;
  report.warn(up, 'spec.healthChecks[0].interval', 'SlowProbesWithoutTraffic',
    `until this cluster has carried traffic Envoy probes every 60s, not every ${seconds(hc.intervalMs)}, so a recovered host of an idle cluster can wait a minute; set noTrafficInterval: ${seconds(hc.intervalMs)} to probe at the same pace`);
}

function warnEventLog(up: Upstream, b: Backend, report: Report): void {
  const hc = b.healthCheck;
  if (!hc?.alwaysLogFailures || hc.eventLogPath) return;
  report.warn(up, 'spec.healthChecks[0].alwaysLogHealthCheckFailures', 'NoEventLog',
    'alwaysLogHealthCheckFailures has no effect without eventLogPath: no health check event is written anywhere; set eventLogPath: /dev/stdout');
}

function warnMaxEjection(up: Upstream, b: Backend, report: Report): void {
  const od = b.outlierDetection;
  const hosts = b.endpoints.length;
  if (!od || hosts === 0) return;
  const max = od.maxEjectionPercent ?? ENVOY_DEFAULTS.outlierDetection.maxEjectionPercent;
  const one = Math.ceil(100 / hosts);
  if (100 / hosts <= max) return;
  const path = od.maxEjectionPercent === undefined ? 'spec.outlierDetection' : 'spec.outlierDetection.maxEjectionPercent';
  report.warn(up, path, 'NeverEjects',
    `with ${hosts} host(s), ejecting one host is ${one}% of the cluster, more than maxEjectionPercent ${max}${od.maxEjectionPercent === undefined ? ' (the default)' : ''}, so outlier detection never ejects anything; set maxEjectionPercent to at least ${one} (100 allows ejecting every host)`);
}

function warnPanic(up: Upstream, b: Backend, report: Report): void {
  if (b.healthyPanicThresholdPercent !== undefined || (!b.healthCheck && !b.outlierDetection)) return;
  report.warn(up, 'spec', 'PanicRoutesToFailingHosts',
    'Envoy\'s default healthy panic threshold is 50%: once fewer than half of the hosts are healthy, Envoy ignores health and sends traffic to every host, failing ones included (with one host, as soon as it fails); set spec.loadBalancerConfig.healthyPanicThreshold: 0 to send traffic only to healthy hosts and answer 503 when there are none');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
