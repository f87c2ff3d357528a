/**
 * Status shapes: the translator's ResourceStatus (plus the object's problems) -> the `status` a
 * kind carries on the API server. HTTPRoute `parents` and KongUpstreamPolicy `ancestors` keep
 * other controllers' entries; Gateway/GatewayClass conditions and listeners; Gloo's
 * `statuses.<namespace>` map for Upstream. Conditions keep their lastTransitionTime while their
 * status holds. Pure: returns the status to write, or undefined when the live object shows it.
 */
import type { Problem } from '../../model/problems';
import type { Condition, ResourceStatus } from '../../translate/status';
import { deepEqual } from '../store';
import type { Json } from './api-client';

export interface StatusContext {
  readonly controllerName: string;
  /** Key of Gloo's `status.statuses` map (Gloo uses its own namespace). */
  readonly statusNamespace: string;
  readonly reportedBy: string;
  /** RFC 3339, for conditions whose status changes now. */
  readonly now: string;
  /** Whether healthplane owns this Gateway's status (its class is ours). */
  readonly ownsGateway: (namespace: string, name: string) => boolean;
  /** Whether a GatewayClass's controllerName is ours. */
  readonly ownsClass: (controllerName: string) => boolean;
}

/** Kinds whose status healthplane writes. */
export const STATUS_KINDS: readonly string[] = ['HTTPRoute', 'Gateway', 'GatewayClass', 'Upstream', 'KongUpstreamPolicy'];

const MAX_MESSAGE = 32_768;

type Cond = Json & { type?: string; status?: string; lastTransitionTime?: string };

/** The whole `status` to write for `live`, or undefined when nothing would change. */
export function desiredStatus(kind: string, live: Json, status: ResourceStatus | undefined, problems: readonly Problem[], ctx: StatusContext): Json | undefined {
  const current = isJson(live.status) ? live.status : {};
  const next = build(kind, live, current, status, problems, ctx);
  return next === undefined || deepEqual(next, current) ? undefined : next;
}

function build(kind: string, live: Json, current: Json, status: ResourceStatus | undefined, problems: readonly Problem[], ctx: StatusContext): Json | undefined {
  const generation = typeof (live.metadata as Json | undefined)?.generation === 'number' ? ((live.metadata as Json).generation as number) : undefined;
  const times = (conds: readonly Condition[], was: unknown): Json[] => withTimes(conds, was, generation, ctx.now);
  const meta = (live.metadata ?? {}) as { namespace?: string; name?: string };
  switch (kind) {
    case 'HTTPRoute': {
      const ours = status?.parents ?? (status ? [] : invalidParents(live, problems, ctx));
      const theirs = listOf(current.parents).filter((p) => p.controllerName !== ctx.controllerName);
      const mine = ours.map((p) => {
        const was = listOf(current.parents).find((x) => x.controllerName === ctx.controllerName && deepEqual(x.parentRef, compact(p.parentRef)));
        return { parentRef: compact(p.parentRef), controllerName: p.controllerName, conditions: times(withWarnings(p.conditions, problems), was?.conditions) };
      });
      return { ...current, parents: [...theirs, ...mine] };
    }
    case 'Gateway': {
      if (!ctx.ownsGateway(meta.namespace ?? '', meta.name ?? '')) return undefined;
      const conditions = status?.conditions ?? [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: messages(problems, 'error') }];
      const listeners = (status?.listeners ?? []).map((l) => {
        const was = listOf(current.listeners).find((x) => x.name === l.name);
        return { name: l.name, supportedKinds: supportedKinds(live, l.name), attachedRoutes: l.attachedRoutes, conditions: times(l.conditions, was?.conditions) };
      });
      return { ...current, conditions: times(withWarnings(conditions, problems), current.conditions), listeners };
    }
    case 'GatewayClass': {
      const controller = (live.spec as Json | undefined)?.controllerName;
      if (typeof controller !== 'string' || !ctx.ownsClass(controller) || !status) return undefined;
      return { ...current, conditions: times(status.conditions, current.conditions) };
    }
    case 'Upstream':
      return { ...current, statuses: { ...(isJson(current.statuses) ? current.statuses : {}), [ctx.statusNamespace]: glooStatus(status, problems, ctx) } };
    case 'KongUpstreamPolicy': {
      if (!status) return undefined;
      const theirs = listOf(current.ancestors).filter((a) => a.controllerName !== ctx.controllerName);
      const mine = (status.ancestors ?? []).map((a) => {
        const was = listOf(current.ancestors).find((x) => x.controllerName === ctx.controllerName && deepEqual(x.ancestorRef, a.ancestorRef));
        return { ancestorRef: { ...a.ancestorRef }, controllerName: a.controllerName, conditions: times(withWarnings(a.conditions, problems), was?.conditions) };
      });
      return { ...current, ancestors: [...theirs, ...mine].slice(0, 16) };
    }
    default:
      return undefined;
  }
}

/** Gloo Edge's per-reporter status: Accepted, Warning (with the warnings) or Rejected (with the errors). */
function glooStatus(status: ResourceStatus | undefined, problems: readonly Problem[], ctx: StatusContext): Json {
  const notAccepted = status === undefined || status.conditions.some((c) => c.type === 'Accepted' && c.status === 'False');
  const rejected = notAccepted || problems.some((p) => p.severity === 'error');
  if (rejected) return { state: 'Rejected', reason: messages(problems, 'error') || acceptedMessage(status) || 'not accepted', reportedBy: ctx.reportedBy };
  const warnings = messages(problems, 'warning');
  return warnings ? { state: 'Warning', reason: warnings, reportedBy: ctx.reportedBy } : { state: 'Accepted', reportedBy: ctx.reportedBy };
}

function acceptedMessage(status: ResourceStatus | undefined): string {
  return status?.conditions.find((c) => c.type === 'Accepted')?.message ?? '';
}

/** Adds the translator's warnings to a True `Accepted` condition's message (the only room a Gateway API status has). */
function withWarnings(conds: readonly Condition[], problems: readonly Problem[]): Condition[] {
  const warnings = messages(problems, 'warning');
  return conds.map((c) => (c.type === 'Accepted' && c.status === 'True' && warnings ? { ...c, message: `${c.message}: ${warnings}` } : c));
}

function messages(problems: readonly Problem[], severity: Problem['severity']): string {
  return problems
    .filter((p) => p.severity === severity)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join('; ')
    .slice(0, MAX_MESSAGE);
}

/** An HTTPRoute healthplane could not decode: every parentRef gets Accepted False with the errors. */
function invalidParents(live: Json, problems: readonly Problem[], ctx: StatusContext): { parentRef: Json; controllerName: string; conditions: Condition[] }[] {
  const meta = (live.metadata ?? {}) as { namespace?: string };
  const refs = listOf((live.spec as Json | undefined)?.parentRefs);
  const message = messages(problems, 'error') || 'invalid';
  return refs.map((r) => ({
    parentRef: { group: r.group ?? 'gateway.networking.k8s.io', kind: r.kind ?? 'Gateway', namespace: r.namespace ?? meta.namespace ?? 'default', name: r.name, ...(r.sectionName !== undefined ? { sectionName: r.sectionName } : {}), ...(r.port !== undefined ? { port: r.port } : {}) },
    controllerName: ctx.controllerName,
    conditions: [
      { type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message },
      { type: 'ResolvedRefs', status: 'False', reason: 'UnsupportedValue', message },
    ],
  }));
}

function supportedKinds(live: Json, listener: string): Json[] {
  const l = listOf((live.spec as Json | undefined)?.listeners).find((x) => x.name === listener);
  return l && (l.protocol === 'HTTP' || l.protocol === 'HTTPS') ? [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] : [];
}

/** Conditions in the API's shape: lastTransitionTime kept while the status holds, observedGeneration set. */
export function withTimes(conds: readonly Condition[], was: unknown, generation: number | undefined, now: string): Json[] {
  const previous = listOf(was) as Cond[];
  return conds.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
    return { type: c.type, status: c.status, reason: c.reason, message: c.message.slice(0, MAX_MESSAGE), lastTransitionTime, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
  });
}

function compact(o: object): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function listOf(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isJson) : [];
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
