/**
 * Resolves the backendRefs of one HTTPRoute rule to weighted backends (building Service backends
 * on the way), with Gateway API reference semantics: unknown kinds are InvalidKind, missing
 * objects BackendNotFound, cross-namespace references without a ReferenceGrant RefNotPermitted;
 * their weight becomes the rule's unresolved (500) share. Services carrying a KongUpstreamPolicy
 * share one backend per rule, as KIC builds one Kong upstream per rule.
 */
import type { HTTPBackendRef, HTTPRoute, HTTPRouteRule } from '../model/gateway-api';
import { GATEWAY_GROUP } from '../model/gateway-api';
import type { Service, ServicePort } from '../model/kube';
import type { WeightedBackend } from '../ir/types';
import { kongRouteRuleBackendName, upstreamBackendName } from '../ir/names';
import type { Ctx } from './context';
import { isPermitted } from './reference-grant';
import { findServicePort, policyNameOf, POLICY_ANNOTATION_PATH } from './service';
import { kongRuleBackend, plainServiceBackend, type RuleMember } from './service-backend';

export interface RefProblem {
  readonly reason: string;
  readonly message: string;
}

export interface ResolvedRule {
  readonly backends: readonly WeightedBackend[];
  readonly unresolvedWeight: number;
  readonly problem?: RefProblem;
}

type Resolution = { readonly type: 'service'; readonly svc: Service; readonly port: ServicePort } | { readonly type: 'backend'; readonly name: string } | ({ readonly type: 'error' } & RefProblem);

export function resolveRuleBackends(route: HTTPRoute, rule: HTTPRouteRule, ruleIndex: number, ctx: Ctx): ResolvedRule {
  const members: RuleMember[] = [];
  const direct: WeightedBackend[] = [];
  let unresolvedWeight = 0;
  let problem: RefProblem | undefined;
  (rule.backendRefs ?? []).forEach((ref, k) => {
    const weight = ref.weight ?? 1;
    const r = resolveRef(route, ref, ctx);
    if (r.type === 'error') {
      ctx.report.error(route, `spec.rules[${ruleIndex}].backendRefs[${k}]`, r.message, r.reason);
      problem ??= { reason: r.reason, message: r.message };
      unresolvedWeight += weight;
    } else if (r.type === 'service') members.push({ svc: r.svc, port: r.port, weight });
    else direct.push({ name: r.name, weight });
  });
  const services = members.some((m) => policyNameOf(m.svc) !== undefined) ? kongRuleShare(route, ruleIndex, members, ctx) : plainShares(members, ctx);
  return { backends: mergeWeights([...services, ...direct]), unresolvedWeight, ...(problem ? { problem } : {}) };
}

function resolveRef(route: HTTPRoute, ref: HTTPBackendRef, ctx: Ctx): Resolution {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? route.metadata.namespace;
  const label = `${kind} ${namespace}/${ref.name}`;
  const supported = (group === '' && kind === 'Service') || (group === 'gloo.solo.io' && kind === 'Upstream');
  if (!supported) return { type: 'error', reason: 'InvalidKind', message: `backendRef kind ${group ? `${group}/` : ''}${kind} is not supported; use a Service or a gloo.solo.io Upstream` };
  if (namespace !== route.metadata.namespace) {
    const permitted = isPermitted({ fromGroup: GATEWAY_GROUP, fromKind: 'HTTPRoute', fromNamespace: route.metadata.namespace, toGroup: group, toKind: kind, toNamespace: namespace, toName: ref.name }, ctx);
    if (!permitted) return { type: 'error', reason: 'RefNotPermitted', message: `${label} is in another namespace and no ReferenceGrant in ${namespace} allows HTTPRoutes from ${route.metadata.namespace} to reference it` };
  }
  if (kind === 'Upstream') return resolveUpstream(namespace, ref.name, label, ctx);
  const svc = ctx.index.service(namespace, ref.name);
  if (!svc) return { type: 'error', reason: 'BackendNotFound', message: `${label} not found` };
  const port = findServicePort(svc, ref.port as number);
  if (!port) return { type: 'error', reason: 'BackendNotFound', message: `${label} has no port ${ref.port}` };
  return { type: 'service', svc, port };
}

function resolveUpstream(namespace: string, name: string, label: string, ctx: Ctx): Resolution {
  if (!ctx.index.hasUpstream(namespace, name)) return { type: 'error', reason: 'BackendNotFound', message: `${label} not found` };
  const backend = upstreamBackendName(namespace, name);
  if (!ctx.backends.has(backend)) return { type: 'error', reason: 'BackendNotFound', message: `${label} is rejected (see its errors), so it has no backend` };
  return { type: 'backend', name: backend };
}

function plainShares(members: readonly RuleMember[], ctx: Ctx): WeightedBackend[] {
  return members.map((m) => {
    const backend = plainServiceBackend(m.svc, m.port, ctx);
    ctx.backends.add(backend);
    return { name: backend.name, weight: m.weight };
  });
}

/** Kong semantics: one backend per rule; every member Service must name the same policy. */
function kongRuleShare(route: HTTPRoute, ruleIndex: number, members: readonly RuleMember[], ctx: Ctx): WeightedBackend[] {
  const names = new Set(members.map((m) => policyNameOf(m.svc) ?? ''));
  const consistent = names.size === 1;
  if (!consistent) {
    const list = [...new Set(members.map((m) => `${m.svc.metadata.namespace}/${m.svc.metadata.name}`))].join(', ');
    for (const m of members) {
      ctx.report.error(m.svc, POLICY_ANNOTATION_PATH, `inconsistent KongUpstreamPolicy configuration for services ${list} (HTTPRoute ${route.metadata.namespace}/${route.metadata.name} rule ${ruleIndex}); the policy is ignored for that rule`, 'Conflicted');
      ctx.kong.markConflicted(m.svc);
    }
  } else {
    members.forEach((m) => ctx.kong.markUsed(m.svc));
  }
  const policy = consistent && members[0] ? ctx.kong.of(members[0].svc) : undefined;
  const name = kongRouteRuleBackendName(route.metadata.namespace, route.metadata.name, ruleIndex);
  ctx.backends.add(kongRuleBackend(name, members, policy, ctx));
  const total = members.reduce((n, m) => n + m.weight, 0);
  return [{ name, weight: total }];
}

function mergeWeights(list: readonly WeightedBackend[]): WeightedBackend[] {
  const out = new Map<string, number>();
  for (const b of list) if (b.weight > 0) out.set(b.name, (out.get(b.name) ?? 0) + b.weight);
  return [...out.entries()].map(([name, weight]) => ({ name, weight }));
}
