/**
 * Backends built from Services when routes reference them: a plain Service becomes
 * `kube_<ns>_<svc>_<port>` with Envoy defaults; a Service carrying a KongUpstreamPolicy becomes a
 * Kong-engine backend named as KIC names its upstreams (per HTTPRoute rule, or per Service port
 * for Ingresses), with the policy's health settings.
 */
import type { Service, ServicePort } from '../model/kube';
import type { Backend, Endpoint } from '../ir/types';
import { ENVOY_DEFAULTS } from '../ir/defaults';
import { kongServiceBackendName, serviceBackendName } from '../ir/names';
import type { Ctx } from './context';
import { compareEndpoints, serviceEndpoints } from './endpoint-slice';
import type { KongPolicy } from './upstream-policy';

export function plainServiceBackend(svc: Service, port: ServicePort, ctx: Ctx): Backend {
  return {
    name: serviceBackendName(svc.metadata.namespace, svc.metadata.name, port.port),
    origins: [serviceOrigin(svc)],
    engine: 'envoy',
    connectTimeoutMs: ENVOY_DEFAULTS.connectTimeoutMs,
    loadBalancing: 'round-robin',
    endpoints: serviceEndpoints(svc, port, ctx),
  };
}

/** An Ingress backend Service with a policy annotation: KIC's upstream `<svc>.<ns>.<port>.svc`. */
export function kongServiceBackend(svc: Service, port: ServicePort, policy: KongPolicy | undefined, ctx: Ctx): Backend {
  const name = kongServiceBackendName(svc.metadata.namespace, svc.metadata.name, port.port);
  return kongBackend(name, [serviceOrigin(svc)], serviceEndpoints(svc, port, ctx), policy);
}

export interface RuleMember {
  readonly svc: Service;
  readonly port: ServicePort;
  readonly weight: number;
}

/**
 * One backend for a whole HTTPRoute rule (KIC's `httproute.<ns>.<route>.<rule>` upstream): the
 * endpoints of every member Service, weighted so that each Service gets its backendRef weight.
 */
export function kongRuleBackend(name: string, members: readonly RuleMember[], policy: KongPolicy | undefined, ctx: Ctx): Backend {
  const lists = members.filter((m) => m.weight > 0).map((m) => ({ m, eps: serviceEndpoints(m.svc, m.port, ctx) }));
  const scale = commonMultiple(lists.map((l) => l.eps.length).filter((n) => n > 0));
  const byAddress = new Map<string, Endpoint>();
  for (const { m, eps } of lists) {
    for (const e of eps) {
      const weight = Math.max(1, Math.round((m.weight * scale) / eps.length));
      const key = `${e.address}:${e.port}`;
      if (!byAddress.has(key)) byAddress.set(key, { ...e, weight });
    }
  }
  const origins = [...new Set(members.map((m) => serviceOrigin(m.svc)))].sort();
  return kongBackend(name, origins, [...byAddress.values()].sort(compareEndpoints), policy);
}

function kongBackend(name: string, origins: string[], endpoints: Endpoint[], policy: KongPolicy | undefined): Backend {
  const withHost = endpoints.map((e) => ({ ...e, healthCheckHostname: e.address }));
  const envoy = policy?.envoy;
  return {
    name,
    origins: policy ? [...origins, policy.settings.policy] : origins,
    engine: 'kong',
    connectTimeoutMs: ENVOY_DEFAULTS.connectTimeoutMs,
    loadBalancing: policy?.loadBalancing ?? 'round-robin',
    endpoints: withHost,
    ...(envoy?.healthCheck ? { healthCheck: envoy.healthCheck } : {}),
    ...(envoy?.outlierDetection ? { outlierDetection: envoy.outlierDetection } : {}),
    ...(envoy ? { healthyPanicThresholdPercent: envoy.healthyPanicThresholdPercent, ignoreHealthOnHostRemoval: envoy.ignoreHealthOnHostRemoval } : {}),
    ...(policy ? { kong: policy.settings } : {}),
  };
}

function serviceOrigin(svc: Service): string {
  return `Service/${svc.metadata.namespace}/${svc.metadata.name}`;
}

/** Least common multiple of endpoint counts, capped so weights stay small; 1 when empty. */
function commonMultiple(counts: number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let l = 1;
  for (const n of counts) {
    l = (l * n) / gcd(l, n);
    if (l > 10_000) return 10_000;
  }
  return l;
}
