/**
 * Path rewriting and redirect targets, as the Gateway API defines them and Envoy (through the
 * translation) performs them: ReplacePrefixMatch element-wise (incl. Kong's strip-path, expressed
 * as a rewrite of the matched prefix to `/`), ReplaceFullPath, and the Location of a
 * RequestRedirect. Pure functions of strings; the query string is always kept.
 */
import type * as ir from '../ir/types';
import { stripPort } from './router';

/**
 * The upstream path for a request path (without query). ReplacePrefixMatch replaces the matched
 * prefix element-wise: `/foo/bar` with `/foo` → `/xyz` gives `/xyz/bar`; with replacement `/` (or
 * empty) the prefix and the slashes after it collapse to one `/` (`^/foo/*` → `/` in Envoy terms).
 */
export function rewritePath(path: string, rewrite: ir.PathRewrite): string {
  if (rewrite.type === 'ReplaceFullPath') return rewrite.path;
  const prefix = trimTrailingSlash(rewrite.prefix);
  if (!path.startsWith(prefix)) return path;
  let rest = path.slice(prefix.length);
  if (rest !== '' && !rest.startsWith('/')) return path;
  const replacement = trimTrailingSlash(rewrite.replacement);
  if (replacement === '') {
    rest = rest.replace(/^\/+/, '');
    return `/${rest}`;
  }
  return rest === '' ? replacement : replacement + rest;
}

function trimTrailingSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

export interface RedirectContext {
  /** Scheme the request arrived with (`http` for the plain listeners of the native proxy). */
  readonly scheme: string;
  /** Host header of the request (port included if the client sent one). */
  readonly host: string;
  /** Port of the socket the request arrived on (the Gateway listener's port). */
  readonly listenerPort: number;
  readonly path: string;
  /** Query string with its `?`, or ''. */
  readonly query: string;
}

const WELL_KNOWN_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

/**
 * The Location of a RequestRedirect: scheme, host (without the request's port), port (explicit,
 * else the new scheme's well-known port, else the listener's), path (rewritten or kept) and the
 * original query. The port is left out when it is the scheme's well-known port.
 */
export function redirectLocation(action: ir.RedirectAction, ctx: RedirectContext): string {
  const scheme = (action.scheme ?? ctx.scheme).toLowerCase();
  const host = action.hostname ?? stripPort(ctx.host);
  const port = action.port ?? (action.scheme !== undefined ? (WELL_KNOWN_PORTS[scheme] ?? ctx.listenerPort) : ctx.listenerPort);
  const path = action.path ? rewritePath(ctx.path, action.path) : ctx.path;
  const portPart = WELL_KNOWN_PORTS[scheme] === port ? '' : `:${port}`;
  return `${scheme}://${host}${portPart}${path}${ctx.query}`;
}
