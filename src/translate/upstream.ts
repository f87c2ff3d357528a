/**
 * gloo.solo.io/v1 Upstream -> ir.Backend named `<name>_<namespace>`: endpoints from the kube
 * Service's EndpointSlices or the static hosts, health fields copied 1:1 (gloo-health.ts). As in
 * Gloo Edge, an invalid health section is left out of an otherwise working backend and the
 * Upstream is reported Rejected (likewise a bad circuit-breaker threshold or panic threshold); a
 * missing Service or upstream type means no backend at all.
 */
import type { GlooStaticSpec, Upstream } from '../model/gloo';
import type { ActiveHealthCheck, Backend, CircuitBreakers, Endpoint } from '../ir/types';
import { CIRCUIT_BREAKER_FIELDS, isUint32, UINT32_MAX } from '../ir/checks';
import { upstreamBackendName } from '../ir/names';
import { ENVOY_DEFAULTS } from '../ir/defaults';
import type { Ctx } from './context';
import { setAcceptedStatus } from './status';
import { glooHealthCheck, glooOutlierDetection, duration } from './gloo-health';
import { compareEndpoints, serviceEndpoints } from './endpoint-slice';
import { findServicePort } from './service';
import { isPort } from './validation';
import { warnEnvoyHealth } from './upstream-warnings';

export function translateUpstream(up: Upstream, ctx: Ctx): void {
  const endpoints = upstreamEndpoints(up, ctx);
  if (endpoints !== undefined) ctx.backends.add(upstreamBackend(up, endpoints, ctx));
  setAcceptedStatus(up, ctx);
}

function upstreamBackend(up: Upstream, endpoints: Endpoint[], ctx: Ctx): Backend {
  const f = { up, report: ctx.report };
  const checks = up.spec.healthChecks ?? [];
  if (checks.length > 1) {
    ctx.report.error(up, 'spec.healthChecks[1]', 'Envoy supports one health check per cluster ("Multiple health checks not supported"); only healthChecks[0] is used');
  }
  const healthCheck = checks[0] ? glooHealthCheck(checks[0], 0, f) : undefined;
  const outlierDetection = up.spec.outlierDetection ? glooOutlierDetection(up.spec.outlierDetection, f) : undefined;
  const panic = panicThreshold(up, ctx);
  const breakers = circuitBreakers(up, ctx);
  const connect = up.spec.connectionConfig?.connectTimeout;
  const connectTimeoutMs = (connect !== undefined ? duration(connect, 'spec.connectionConfig.connectTimeout', f, true) : undefined) ?? ENVOY_DEFAULTS.connectTimeoutMs;
  const backend: Backend = {
    name: upstreamBackendName(up.metadata.namespace, up.metadata.name),
    origins: [`Upstream/${up.metadata.namespace}/${up.metadata.name}`],
    engine: 'envoy',
    connectTimeoutMs,
    loadBalancing: 'round-robin',
    endpoints: withProbeHost(endpoints, healthCheck, up),
    ...(healthCheck ? { healthCheck } : {}),
    ...(outlierDetection ? { outlierDetection } : {}),
    ...(panic !== undefined ? { healthyPanicThresholdPercent: panic } : {}),
    ...(up.spec.ignoreHealthOnHostRemoval !== undefined ? { ignoreHealthOnHostRemoval: up.spec.ignoreHealthOnHostRemoval } : {}),
    ...(breakers ? { circuitBreakers: breakers } : {}),
  };
  warnEnvoyHealth(up, backend, ctx.report);
  return backend;
}

function panicThreshold(up: Upstream, ctx: Ctx): number | undefined {
  const v = up.spec.loadBalancerConfig?.healthyPanicThreshold;
  if (v === undefined) return undefined;
  if (v < 0 || v > 100) {
    ctx.report.error(up, 'spec.loadBalancerConfig.healthyPanicThreshold', `healthyPanicThreshold ${v} is not a percentage in 0-100`);
    return undefined;
  }
  return v;
}

/** The thresholds set and valid (uint32); each bad one is reported and left to Envoy's default. */
function circuitBreakers(up: Upstream, ctx: Ctx): CircuitBreakers | undefined {
  const cb = up.spec.circuitBreakers;
  if (!cb) return undefined;
  const out: { -readonly [K in keyof CircuitBreakers]: number } = {};
  for (const k of CIRCUIT_BREAKER_FIELDS) {
    const v = cb[k];
    if (v === undefined) continue;
    if (isUint32(v)) out[k] = v;
    else ctx.report.error(up, `spec.circuitBreakers.${k}`, `${k} ${v} is not an integer in 0-${UINT32_MAX}`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Endpoints of the upstream, or undefined when it has no usable type (errors reported). */
function upstreamEndpoints(up: Upstream, ctx: Ctx): Endpoint[] | undefined {
  const { kube, static: stat } = up.spec;
  if (kube && stat) {
    ctx.report.error(up, 'spec', 'only one upstream type may be set: kube or static');
    return undefined;
  }
  if (kube) return kubeEndpoints(up, ctx);
  if (stat) return staticEndpoints(up, stat, ctx);
  ctx.report.error(up, 'spec', 'an upstream type is required: set spec.kube or spec.static');
  return undefined;
}

function kubeEndpoints(up: Upstream, ctx: Ctx): Endpoint[] | undefined {
  const kube = up.spec.kube ?? {};
  const ns = kube.serviceNamespace || up.metadata.namespace;
  if (!kube.serviceName) ctx.report.error(up, 'spec.kube.serviceName', 'serviceName is required');
  if (kube.servicePort === undefined || kube.servicePort === 0) ctx.report.error(up, 'spec.kube.servicePort', 'servicePort is required (the Service port, not the targetPort)');
  else if (!isPort(kube.servicePort)) ctx.report.error(up, 'spec.kube.servicePort', `servicePort ${kube.servicePort} is not in 1-65535`);
  if (kube.selector && Object.keys(kube.selector).length > 0) ctx.report.warn(up, 'spec.kube.selector', 'Ignored', 'selector is ignored: healthplane does not see pod labels, so every endpoint of the Service is used');
  if (ctx.report.hasErrors(up, 'spec.kube') || !kube.serviceName || kube.servicePort === undefined) return undefined;
  const svc = ctx.index.service(ns, kube.serviceName);
  if (!svc) {
    ctx.report.error(up, 'spec.kube.serviceName', `Upstream ${up.metadata.namespace}.${up.metadata.name} references the service '${kube.serviceName}' which does not exist in namespace '${ns}'`, 'BackendNotFound');
    return undefined;
  }
  const port = findServicePort(svc, kube.servicePort);
  if (!port) {
    ctx.report.error(up, 'spec.kube.servicePort', `Service ${ns}/${kube.serviceName} has no port ${kube.servicePort}`, 'BackendNotFound');
    return undefined;
  }
  return serviceEndpoints(svc, port, ctx);
}

function staticEndpoints(up: Upstream, stat: GlooStaticSpec, ctx: Ctx): Endpoint[] | undefined {
  const hosts = stat.hosts ?? [];
  if (hosts.length === 0) ctx.report.error(up, 'spec.static.hosts', 'at least one host is required');
  hosts.forEach((h, i) => {
    const at = `spec.static.hosts[${i}]`;
    if (!h.addr) ctx.report.error(up, `${at}.addr`, 'addr cannot be empty for host');
    if (!h.port) ctx.report.error(up, `${at}.port`, 'port cannot be empty for host');
    else if (!isPort(h.port)) ctx.report.error(up, `${at}.port`, `port ${h.port} is not in 1-65535`);
    if (h.loadBalancingWeight !== undefined && h.loadBalancingWeight < 1) ctx.report.error(up, `${at}.loadBalancingWeight`, 'loadBalancingWeight must be at least 1');
    if (h.healthCheckConfig) ctx.report.warn(up, `${at}.healthCheckConfig`, 'Ignored', 'per-host healthCheckConfig is a Gloo Enterprise field and is ignored');
  });
  const tls = stat.useTls ?? hosts.some((h) => h.port === 443);
  if (tls) ctx.report.warn(up, stat.useTls ? 'spec.static.useTls' : 'spec.static.hosts', 'Unsupported', 'TLS to upstream hosts is not supported yet: healthplane connects in plaintext (Gloo would use TLS here); set useTls: false to silence this');
  if (ctx.report.hasErrors(up, 'spec.static')) return undefined;
  return hosts
    .map((h): Endpoint => ({ address: h.addr as string, port: h.port as number, weight: h.loadBalancingWeight ?? 1, health: 'healthy', hostname: h.addr as string }))
    .sort(compareEndpoints);
}

/** Static hosts are probed with Host = their address, or the health check's host when set. */
function withProbeHost(endpoints: Endpoint[], hc: ActiveHealthCheck | undefined, up: Upstream): Endpoint[] {
  if (!up.spec.static) return endpoints;
  const host = hc?.probe.type === 'http' ? hc.probe.host : undefined;
  return endpoints.map((e) => ({ ...e, healthCheckHostname: host ?? e.address }));
}
