/**
 * networking.k8s.io/v1 Ingress of the served class (default `kong`) -> ranked ir.Routes on the
 * Kong listener port, with Kong's semantics: `konghq.com/strip-path`, Prefix paths matching whole
 * segments, ImplementationSpecific paths as plain prefixes (`/~` = regex), and backends named as
 * KIC names them when the Service carries a KongUpstreamPolicy.
 */
import type { Ingress, IngressBackend, IngressPath } from '../model/kube';
import { INGRESS_CLASS_ANNOTATION } from '../model/kong';
import type { PathMatchType, Route, RouteAction, RouteMatch } from '../ir/types';
import { ingressDefaultRouteName, ingressRouteName } from '../ir/names';
import { nsName, type Ctx } from './context';
import type { Attachment } from './http-route';
import { pathProblem } from './http-route-validate';
import { stripPathOf, stripPathRewrite } from './route-filters';
import type { RankedRoute } from './routes-order';
import { findServicePort, policyNameOf } from './service';
import { kongServiceBackend, plainServiceBackend } from './service-backend';
import { setAcceptedStatus } from './status';
import { isGatewayHostname, re2Problem } from './validation';

export function isServedIngress(ing: Ingress, ctx: Ctx): boolean {
  const cls = ing.spec.ingressClassName ?? ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  return cls === ctx.options.ingressClass;
}

export function translateIngress(ing: Ingress, ctx: Ctx): Attachment[] {
  if (!isServedIngress(ing, ctx)) return [];
  const strip = stripPathOf(ing, ctx.report);
  const byHost = new Map<string, RankedRoute[]>();
  (ing.spec.rules ?? []).forEach((rule, i) => {
    const host = rule.host ?? '*';
    if (rule.host !== undefined && !isGatewayHostname(rule.host)) ctx.report.error(ing, `spec.rules[${i}].host`, `host "${rule.host}" must be a DNS name, optionally starting with "*."`);
    const routes = (rule.http?.paths ?? []).flatMap((p, j) => pathRoute(ing, p, i, j, strip, ctx));
    byHost.set(host, [...(byHost.get(host) ?? []), ...routes]);
  });
  addDefaultBackend(ing, byHost, ctx);
  setAcceptedStatus(ing, ctx);
  const source = `Ingress class ${ctx.options.ingressClass}`;
  return [...byHost.entries()].filter(([, routes]) => routes.length > 0).map(([host, routes]) => ({ port: ctx.options.ingressPort, source, hostnames: [host], routes }));
}

function pathRoute(ing: Ingress, p: IngressPath, i: number, j: number, strip: boolean, ctx: Ctx): RankedRoute[] {
  const at = `spec.rules[${i}].http.paths[${j}]`;
  const match = pathMatch(ing, p, at, ctx);
  if (!match) return [];
  const action = backendAction(ing, p.backend, `${at}.backend`, strip ? stripPathRewrite(match) : undefined, ctx);
  return [ranked(ing, ingressRouteName(ing.metadata.namespace, ing.metadata.name, i, j), `rules[${i}].http.paths[${j}]`, match, action, i, j)];
}

function pathMatch(ing: Ingress, p: IngressPath, at: string, ctx: Ctx): RouteMatch | undefined {
  const path = p.path ?? '/';
  let type: PathMatchType;
  let value = path;
  if (p.pathType === 'Exact') type = 'Exact';
  else if (p.pathType === 'Prefix') type = 'PathPrefix';
  else if (p.pathType === 'ImplementationSpecific') {
    type = 'RegularExpression';
    value = path.startsWith('/~') ? path.slice(2) : `${escapeRegex(path)}.*`;
  } else {
    ctx.report.error(ing, `${at}.pathType`, 'pathType must be Exact, Prefix or ImplementationSpecific');
    return undefined;
  }
  const problem = type === 'RegularExpression' ? re2Problem(value) : pathProblem(path);
  if (problem) {
    ctx.report.error(ing, `${at}.path`, problem);
    return undefined;
  }
  return { path: { type, value: type === 'PathPrefix' && value.length > 1 ? value.replace(/\/+$/, '') || '/' : value }, headers: [], queryParams: [] };
}

function backendAction(ing: Ingress, b: IngressBackend, at: string, rewrite: ReturnType<typeof stripPathRewrite>, ctx: Ctx): RouteAction {
  const name = backendName(ing, b, at, ctx);
  if (!name) return { type: 'directResponse', status: 500 };
  return { type: 'forward', backends: [{ name, weight: 1 }], unresolvedWeight: 0, ...(rewrite ? { rewrite } : {}) };
}

/** Builds (once) the backend of an Ingress service backend and returns its name. */
function backendName(ing: Ingress, b: IngressBackend, at: string, ctx: Ctx): string | undefined {
  if (!b.service) {
    ctx.report.error(ing, at, 'only service backends are supported; requests on this path get a 500', 'UnsupportedValue');
    return undefined;
  }
  const svc = ctx.index.service(ing.metadata.namespace, b.service.name);
  const portRef = b.service.port?.number ?? b.service.port?.name;
  if (!svc) return notFound(ing, at, `Service ${ing.metadata.namespace}/${b.service.name} not found`, ctx);
  const port = portRef === undefined ? undefined : findServicePort(svc, portRef);
  if (!port) return notFound(ing, `${at}.service.port`, `Service ${ing.metadata.namespace}/${b.service.name} has no port ${portRef ?? '(none given)'}`, ctx);
  const policy = ctx.kong.of(svc);
  const named = policyNameOf(svc) !== undefined;
  if (named) ctx.kong.markUsed(svc);
  const backend = named ? kongServiceBackend(svc, port, policy, ctx) : plainServiceBackend(svc, port, ctx);
  ctx.backends.add(backend);
  return backend.name;
}

function notFound(ing: Ingress, at: string, message: string, ctx: Ctx): undefined {
  ctx.report.error(ing, at, `${message}; requests on this path get a 500`, 'BackendNotFound');
  return undefined;
}

function addDefaultBackend(ing: Ingress, byHost: Map<string, RankedRoute[]>, ctx: Ctx): void {
  const b = ing.spec.defaultBackend;
  if (!b) return;
  const action = backendAction(ing, b, 'spec.defaultBackend', undefined, ctx);
  const match: RouteMatch = { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] };
  if (!byHost.has('*')) byHost.set('*', []);
  for (const routes of byHost.values()) {
    routes.push(ranked(ing, ingressDefaultRouteName(ing.metadata.namespace, ing.metadata.name), 'defaultBackend', match, action, Number.MAX_SAFE_INTEGER, 0));
  }
}

function ranked(ing: Ingress, name: string, where: string, match: RouteMatch, action: RouteAction, rule: number, j: number): RankedRoute {
  const route: Route = { name, origin: `Ingress/${ing.metadata.namespace}/${ing.metadata.name} ${where}`, match, action };
  return { route, rank: { created: ing.metadata.creationTimestamp ?? '', key: nsName(ing.metadata.namespace, ing.metadata.name), rule, match: j } };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
