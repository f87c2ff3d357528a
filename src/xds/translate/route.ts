/**
 * ir.Listener -> envoy.config.route.v3.RouteConfiguration: one virtual host per hostname (ports in
 * the Host header ignored), routes in the IR's precedence order. Gateway API path semantics:
 * PathPrefix matches whole segments (path_separated_prefix); unresolved backend shares go to a
 * cluster that never exists, answered with 500 by cluster_not_found_response_code.
 */
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { VirtualHost } from '../generated/envoy/config/route/v3/VirtualHost';
import type { Route } from '../generated/envoy/config/route/v3/Route';
import type { RouteMatch } from '../generated/envoy/config/route/v3/RouteMatch';
import type { RouteAction } from '../generated/envoy/config/route/v3/RouteAction';
import type { RedirectAction } from '../generated/envoy/config/route/v3/RedirectAction';
import type { HeaderMatcher } from '../generated/envoy/config/route/v3/HeaderMatcher';
import type { StringMatcher } from '../generated/envoy/type/matcher/v3/StringMatcher';
import type * as ir from '../../ir/types';
import { routeConfigName, UNRESOLVED_BACKEND_CLUSTER } from '../../ir/names';
import { headerOption, u32 } from './values';

/** `virtualHost` converts each virtual host (a memo may return the one built last time). */
export function toEnvoyRouteConfiguration(l: ir.Listener, virtualHost: (vh: ir.VirtualHost) => VirtualHost = toEnvoyVirtualHost): RouteConfiguration {
  return {
    name: routeConfigName(l.port),
    virtual_hosts: l.virtualHosts.map(virtualHost),
    ignore_port_in_host_matching: true,
  };
}

export function toEnvoyVirtualHost(vh: ir.VirtualHost): VirtualHost {
  return { name: vh.name, domains: [vh.hostname], routes: vh.routes.map(toEnvoyRoute) };
}

export function toEnvoyRoute(r: ir.Route): Route {
  return {
    name: r.name,
    match: match(r.match),
    ...action(r.action),
    ...(r.requestHeaders ? headerMutations('request', r.requestHeaders) : {}),
    ...(r.responseHeaders ? headerMutations('response', r.responseHeaders) : {}),
  };
}

function match(m: ir.RouteMatch): RouteMatch {
  const headers: HeaderMatcher[] = m.headers.map((h) => ({ name: h.name, string_match: stringMatch(h.type, h.value) }));
  if (m.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  const query = m.queryParams.map((q) => ({ name: q.name, string_match: stringMatch(q.type, q.value) }));
  return {
    ...pathMatch(m.path),
    ...(headers.length ? { headers } : {}),
    ...(query.length ? { query_parameters: query } : {}),
  };
}

function pathMatch(p: ir.RouteMatch['path']): RouteMatch {
  if (p.type === 'Exact') return { path: p.value };
  if (p.type === 'RegularExpression') return { safe_regex: { regex: p.value } };
  return p.value === '/' || p.value.endsWith('/') ? { prefix: p.value } : { path_separated_prefix: p.value };
}

function stringMatch(type: ir.StringMatchType, value: string): StringMatcher {
  return type === 'Exact' ? { exact: value } : { safe_regex: { regex: value } };
}

function action(a: ir.RouteAction): Route {
  if (a.type === 'directResponse') return { direct_response: { status: a.status, ...(a.body !== undefined ? { body: { inline_string: a.body } } : {}) } };
  if (a.type === 'redirect') return { redirect: redirect(a) };
  return { route: forward(a) };
}

function forward(a: ir.ForwardAction): RouteAction {
  const targets = a.unresolvedWeight > 0 ? [...a.backends, { name: UNRESOLVED_BACKEND_CLUSTER, weight: a.unresolvedWeight }] : a.backends;
  const only = targets.length === 1 ? targets[0] : undefined;
  return {
    ...(only ? { cluster: only.name } : { weighted_clusters: { clusters: targets.map((t) => ({ name: t.name, weight: u32(t.weight) })) } }),
    ...(a.unresolvedWeight > 0 ? { cluster_not_found_response_code: 'INTERNAL_SERVER_ERROR' as const } : {}),
    ...(a.rewrite ? rewrite(a.rewrite) : {}),
    ...(a.hostRewrite ? { host_rewrite_literal: a.hostRewrite } : {}),
  };
}

/** Path rewrites: a prefix replaced by "/" uses a regex so that "/test/x" becomes "/x", not "//x". */
function rewrite(rw: ir.PathRewrite): Pick<RouteAction, 'prefix_rewrite' | 'regex_rewrite'> {
  if (rw.type === 'ReplaceFullPath') return { regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: rw.path } };
  if (rw.replacement === '/' && rw.prefix !== '/') return { regex_rewrite: { pattern: { regex: `^${escapeRe2(rw.prefix.replace(/\/+$/, ''))}/*` }, substitution: '/' } };
  return { prefix_rewrite: prefixReplacement(rw.prefix, rw.replacement) };
}

/** Keeps exactly one slash at the seam between the replacement and the rest of the path. */
function prefixReplacement(prefix: string, replacement: string): string {
  if (prefix.endsWith('/')) return replacement.endsWith('/') ? replacement : `${replacement}/`;
  return replacement.length > 1 ? replacement.replace(/\/+$/, '') : replacement;
}

const REDIRECT_CODES = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' } as const;

function redirect(a: ir.RedirectAction): RedirectAction {
  const code = REDIRECT_CODES[a.statusCode as keyof typeof REDIRECT_CODES] ?? 'FOUND';
  let path: RedirectAction = {};
  if (a.path?.type === 'ReplaceFullPath') path = { path_redirect: a.path.path };
  else if (a.path) path = rewrite(a.path);
  return {
    ...(a.scheme ? { scheme_redirect: a.scheme } : {}),
    ...(a.hostname ? { host_redirect: a.hostname } : {}),
    ...(a.port !== undefined ? { port_redirect: a.port } : {}),
    ...path,
    response_code: code,
  };
}

function headerMutations(which: 'request' | 'response', h: ir.HeaderModifier): Route {
  const add = [...h.set.map((x) => headerOption(x.name, x.value, false)), ...h.add.map((x) => headerOption(x.name, x.value, true))];
  const out: Route = {};
  if (add.length) out[`${which}_headers_to_add`] = add;
  if (h.remove.length) out[`${which}_headers_to_remove`] = [...h.remove];
  return out;
}

/** Escapes RE2 metacharacters in a literal path. */
function escapeRe2(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
