/**
 * HTTPRoute filters and Kong's `konghq.com/strip-path` -> the parts of an ir.Route they shape:
 * header modifiers, redirect, path/host rewrite. Filters healthplane cannot apply are named so
 * that the caller answers the rule with a 500, as the Gateway API requires for unusable filters.
 */
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRequestRedirectFilter, HTTPRouteFilter, HTTPURLRewriteFilter } from '../model/gateway-api';
import { STRIP_PATH_ANNOTATION } from '../model/kong';
import type { AnyResource } from '../model/resources';
import type { HeaderModifier, PathRewrite, RedirectAction, RouteMatch } from '../ir/types';
import type { Report } from './failures';

export interface RuleFilters {
  readonly requestHeaders?: HeaderModifier;
  readonly responseHeaders?: HeaderModifier;
  readonly redirect?: HTTPRequestRedirectFilter;
  readonly rewrite?: HTTPURLRewriteFilter;
  /** A filter type healthplane cannot apply: requests on the rule get a 500. */
  readonly unsupported?: string;
}

const UNSUPPORTED = ['RequestMirror', 'CORS', 'ExtensionRef'];

export function ruleFilters(filters: readonly HTTPRouteFilter[]): RuleFilters {
  const find = (t: string): HTTPRouteFilter | undefined => filters.find((f) => f.type === t);
  const req = find('RequestHeaderModifier')?.requestHeaderModifier;
  const res = find('ResponseHeaderModifier')?.responseHeaderModifier;
  const redirect = find('RequestRedirect')?.requestRedirect;
  const rewrite = find('URLRewrite')?.urlRewrite;
  const unsupported = filters.find((f) => UNSUPPORTED.includes(f.type))?.type;
  return {
    ...(req ? { requestHeaders: headerModifier(req) } : {}),
    ...(res ? { responseHeaders: headerModifier(res) } : {}),
    ...(redirect ? { redirect } : {}),
    ...(rewrite ? { rewrite } : {}),
    ...(unsupported ? { unsupported } : {}),
  };
}

function headerModifier(f: HTTPHeaderFilter): HeaderModifier {
  return {
    set: (f.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (f.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(f.remove ?? [])],
  };
}

/** The path rewrite a path modifier asks for, relative to the route's (prefix) match. */
export function pathRewrite(mod: HTTPPathModifier, match: RouteMatch): PathRewrite {
  if (mod.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', path: mod.replaceFullPath ?? '/' };
  return { type: 'ReplacePrefixMatch', prefix: match.path.value, replacement: mod.replacePrefixMatch ?? '/' };
}

export function redirectAction(r: HTTPRequestRedirectFilter, match: RouteMatch): RedirectAction {
  return {
    type: 'redirect',
    statusCode: r.statusCode ?? 302,
    ...(r.scheme ? { scheme: r.scheme } : {}),
    ...(r.hostname ? { hostname: r.hostname } : {}),
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(r.path ? { path: pathRewrite(r.path, match) } : {}),
  };
}

/** Kong strip-path: the matched prefix (or exact path) is removed before forwarding. */
export function stripPathRewrite(match: RouteMatch): PathRewrite | undefined {
  if (match.path.type === 'PathPrefix') return match.path.value === '/' ? undefined : { type: 'ReplacePrefixMatch', prefix: match.path.value, replacement: '/' };
  if (match.path.type === 'Exact') return { type: 'ReplaceFullPath', path: '/' };
  return undefined;
}

export const STRIP_PATH_PATH = `metadata.annotations["${STRIP_PATH_ANNOTATION}"]`;

/** `konghq.com/strip-path`: "true"/"false" in any case; any other value is ignored with a warning. */
export function stripPathOf(obj: AnyResource, report: Report): boolean {
  const raw = obj.metadata.annotations?.[STRIP_PATH_ANNOTATION];
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v !== 'false') report.warn(obj, STRIP_PATH_PATH, 'Ignored', `"${raw}" is neither "true" nor "false"; strip-path stays off`);
  return false;
}
