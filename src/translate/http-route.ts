/**
 * HTTPRoute -> ranked ir.Routes attached to Gateway listeners, and the route's status: one entry
 * per parentRef to a served Gateway with `Accepted` (NoMatchingParent, NotAllowedByListeners,
 * NoMatchingListenerHostname, UnsupportedValue) and `ResolvedRefs` (BackendNotFound, InvalidKind,
 * RefNotPermitted). Rules whose backends cannot be resolved answer 500.
 */
import type { HTTPRoute, HTTPRouteMatch, HTTPRouteRule, ParentReference } from '../model/gateway-api';
import { GATEWAY_GROUP } from '../model/gateway-api';
import type { NameValueMatch, Route, RouteAction, RouteMatch } from '../ir/types';
import { httpRouteRouteName } from '../ir/names';
import { nsName, type Ctx } from './context';
import { refOf } from './failures';
import { namespaceAllowed, type ListenerSlot, type ServedGateway } from './gateway';
import { intersectHostnames } from './hostnames';
import { validateHttpRoute } from './http-route-validate';
import { resolveRuleBackends, type RefProblem } from './backend-refs';
import { pathRewrite, redirectAction, ruleFilters, stripPathOf, stripPathRewrite, STRIP_PATH_PATH } from './route-filters';
import type { RankedRoute } from './routes-order';
import { condition, type Condition, type RouteParentStatus } from './status';

/** Routes served on one listener port under the given hostnames; `source` names the listener. */
export interface Attachment {
  readonly port: number;
  readonly source: string;
  readonly hostnames: readonly string[];
  readonly routes: readonly RankedRoute[];
}

export function slotSource(slot: ListenerSlot): string {
  return `Gateway/${slot.gateway.metadata.namespace}/${slot.gateway.metadata.name}/${slot.listener.name}`;
}

export function translateHttpRoute(route: HTTPRoute, ctx: Ctx): Attachment[] {
  validateHttpRoute(route, ctx);
  const invalid = ctx.report.hasErrors(route);
  const built = invalid ? undefined : buildRoutes(route, ctx);
  const attachments: Attachment[] = [];
  const parents: RouteParentStatus[] = [];
  (route.spec.parentRefs ?? []).forEach((ref, i) => {
    const gw = parentGateway(route, ref, i, ctx);
    if (!gw) return;
    const accepted = built ? attach(route, ref, gw, built.routes, attachments) : condition('Accepted', false, 'UnsupportedValue', 'the route is invalid; see its errors');
    const resolved = built?.resolvedRefs ?? condition('ResolvedRefs', false, 'UnsupportedValue', 'the route is invalid');
    parents.push({ parentRef: parentRefStatus(route, ref), controllerName: ctx.options.controllerName, conditions: [accepted, resolved] });
  });
  ctx.statuses.set({ ref: refOf(route), conditions: [], parents });
  return attachments;
}

function parentGateway(route: HTTPRoute, ref: ParentReference, i: number, ctx: Ctx): ServedGateway | undefined {
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return undefined;
  const key = nsName(ref.namespace ?? route.metadata.namespace, ref.name);
  const gw = ctx.served.get(key);
  if (!gw && !ctx.index.hasGateway(key)) {
    ctx.report.warn(route, `spec.parentRefs[${i}]`, 'ParentNotFound', `Gateway ${key} not found, so this parent does not serve the route; check the name and namespace (namespace defaults to the route's)`);
  }
  return gw;
}

function parentRefStatus(route: HTTPRoute, ref: ParentReference): RouteParentStatus['parentRef'] {
  return {
    group: ref.group ?? GATEWAY_GROUP,
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace ?? route.metadata.namespace,
    name: ref.name,
    ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}),
    ...(ref.port !== undefined ? { port: ref.port } : {}),
  };
}

/** Attaches to every listener the parentRef selects; returns the parent's Accepted condition. */
function attach(route: HTTPRoute, ref: ParentReference, gw: ServedGateway, routes: readonly RankedRoute[], out: Attachment[]): Condition {
  const slots = gw.slots.filter((s) => (ref.sectionName === undefined || s.listener.name === ref.sectionName) && (ref.port === undefined || s.listener.port === ref.port));
  if (slots.length === 0) return condition('Accepted', false, 'NoMatchingParent', 'no listener matches the sectionName/port of this parentRef');
  const allowed = slots.filter((s) => !s.refusal && namespaceAllowed(s, route.metadata.namespace));
  if (allowed.length === 0) return condition('Accepted', false, 'NotAllowedByListeners', slots.find((s) => s.refusal)?.refusal?.message ?? `routes from namespace ${route.metadata.namespace} are not allowed`);
  let hostMatched = false;
  for (const slot of allowed) {
    const hostnames = intersectHostnames(slot.listener.hostname, route.spec.hostnames ?? []);
    if (hostnames.length === 0) continue;
    hostMatched = true;
    const source = slotSource(slot);
    if (!out.some((a) => a.source === source)) out.push({ port: slot.listener.port, source, hostnames, routes });
  }
  if (!hostMatched) return condition('Accepted', false, 'NoMatchingListenerHostname', 'no listener hostname matches the route hostnames');
  return condition('Accepted', true, 'Accepted', 'accepted');
}

function buildRoutes(route: HTTPRoute, ctx: Ctx): { routes: RankedRoute[]; resolvedRefs: Condition } {
  const strip = stripPathOf(route, ctx.report);
  const rules: readonly HTTPRouteRule[] = route.spec.rules?.length ? route.spec.rules : [{}];
  const routes: RankedRoute[] = [];
  let problem: RefProblem | undefined;
  rules.forEach((rule, i) => {
    const built = buildRule(route, rule, i, strip, ctx);
    problem ??= built.problem;
    routes.push(...built.routes);
  });
  const resolvedRefs = problem ? condition('ResolvedRefs', false, problem.reason, problem.message) : condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved');
  return { routes, resolvedRefs };
}

function buildRule(route: HTTPRoute, rule: HTTPRouteRule, i: number, strip: boolean, ctx: Ctx): { routes: RankedRoute[]; problem?: RefProblem } {
  const filters = ruleFilters(rule.filters ?? []);
  const perBackendFilters = (rule.backendRefs ?? []).some((b) => (b.filters?.length ?? 0) > 0);
  const unsupported = filters.unsupported ?? (perBackendFilters ? 'per-backendRef filters' : undefined);
  if (unsupported) ctx.report.error(route, `spec.rules[${i}].filters`, `${unsupported} is not supported yet; requests matching this rule get a 500`, 'UnsupportedValue');
  if (strip && filters.rewrite?.path) ctx.report.warn(route, STRIP_PATH_PATH, 'Ignored', `rule ${i} has a URLRewrite path filter, which takes precedence over strip-path`);
  const resolved = unsupported || filters.redirect ? undefined : resolveRuleBackends(route, rule, i, ctx);
  if (resolved && (rule.backendRefs ?? []).length === 0) {
    ctx.report.warn(route, route.spec.rules?.length ? `spec.rules[${i}]` : 'spec', 'NoBackends', `rule ${i} has no backendRefs and no redirect, so every request it matches gets a 500; add a backendRef`);
  }
  const matches: readonly HTTPRouteMatch[] = rule.matches?.length ? rule.matches : [{}];
  const routes = matches.map((m, j): RankedRoute => {
    const match = routeMatch(m);
    let action: RouteAction;
    if (unsupported) action = { type: 'directResponse', status: 500 };
    else if (filters.redirect) action = redirectAction(filters.redirect, match);
    else if (!resolved || resolved.backends.length === 0) action = { type: 'directResponse', status: 500 };
    else {
      const rewrite = filters.rewrite?.path ? pathRewrite(filters.rewrite.path, match) : strip ? stripPathRewrite(match) : undefined;
      action = { type: 'forward', backends: resolved.backends, unresolvedWeight: resolved.unresolvedWeight, ...(rewrite ? { rewrite } : {}), ...(filters.rewrite?.hostname ? { hostRewrite: filters.rewrite.hostname } : {}) };
    }
    const r: Route = {
      name: httpRouteRouteName(route.metadata.namespace, route.metadata.name, i, j),
      origin: `HTTPRoute/${route.metadata.namespace}/${route.metadata.name} rules[${i}].matches[${j}]`,
      match,
      action,
      ...(filters.requestHeaders && action.type === 'forward' ? { requestHeaders: filters.requestHeaders } : {}),
      ...(filters.responseHeaders ? { responseHeaders: filters.responseHeaders } : {}),
    };
    return { route: r, rank: { created: route.metadata.creationTimestamp ?? '', key: nsName(route.metadata.namespace, route.metadata.name), rule: i, match: j } };
  });
  return { routes, ...(resolved?.problem ? { problem: resolved.problem } : {}) };
}

function routeMatch(m: HTTPRouteMatch): RouteMatch {
  return {
    path: { type: (m.path?.type ?? 'PathPrefix') as RouteMatch['path']['type'], value: m.path?.value ?? '/' },
    headers: firstByName(m.headers ?? [], true),
    queryParams: firstByName(m.queryParams ?? [], false),
    ...(m.method !== undefined ? { method: m.method } : {}),
  };
}

function firstByName(list: readonly { type?: string; name: string; value: string }[], caseInsensitive: boolean): NameValueMatch[] {
  const seen = new Set<string>();
  const out: NameValueMatch[] = [];
  for (const h of list) {
    const key = caseInsensitive ? h.name.toLowerCase() : h.name;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: (h.type ?? 'Exact') as NameValueMatch['type'], name: h.name, value: h.value });
  }
  return out;
}
