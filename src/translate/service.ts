/**
 * Service: port validation and the `konghq.com/upstream-policy` link to a KongUpstreamPolicy in
 * its namespace (an unknown name is reported on the Service, as KIC does; the backend is still
 * built, without health checks).
 */
import type { Service, ServicePort } from '../model/kube';
import { UPSTREAM_POLICY_ANNOTATION, type KongUpstreamPolicy } from '../model/kong';
import type { Ctx } from './context';
import { setAcceptedStatus } from './status';
import { isPort } from './validation';

export const POLICY_ANNOTATION_PATH = `metadata.annotations["${UPSTREAM_POLICY_ANNOTATION}"]`;

export function translateService(svc: Service, ctx: Ctx): void {
  const names = new Set<string>();
  svc.spec.ports?.forEach((p, i) => {
    if (!isPort(p.port)) ctx.report.error(svc, `spec.ports[${i}].port`, `port ${p.port} is not in 1-65535`);
    if (typeof p.targetPort === 'number' && !isPort(p.targetPort)) ctx.report.error(svc, `spec.ports[${i}].targetPort`, `targetPort ${p.targetPort} is not in 1-65535`);
    const name = p.name ?? '';
    if (names.has(name)) ctx.report.error(svc, `spec.ports[${i}].name`, name ? `duplicate port name "${name}"` : 'several ports need names');
    names.add(name);
  });
  const policyName = policyNameOf(svc);
  if (policyName !== undefined && !ctx.index.hasPolicy(svc.metadata.namespace, policyName)) {
    ctx.report.error(svc, POLICY_ANNOTATION_PATH, `failed fetching KongUpstreamPolicy: KongUpstreamPolicy ${svc.metadata.namespace}/${policyName} not found`, 'PolicyNotFound');
  }
  setAcceptedStatus(svc, ctx);
}

export function policyNameOf(svc: Service): string | undefined {
  const v = svc.metadata.annotations?.[UPSTREAM_POLICY_ANNOTATION];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The KongUpstreamPolicy a Service names, when it exists. */
export function policyOf(svc: Service, ctx: Ctx): KongUpstreamPolicy | undefined {
  const name = policyNameOf(svc);
  return name === undefined ? undefined : ctx.index.policy(svc.metadata.namespace, name);
}

/** The Service port with this number, or with this name. */
export function findServicePort(svc: Service, port: number | string): ServicePort | undefined {
  return svc.spec.ports?.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}
