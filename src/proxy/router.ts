/**
 * Router: the compiled route table of one proxy port. Receives ir.Listener values (already in
 * Gateway API precedence order) and answers "which route handles this request?" the way Envoy's
 * route table does: virtual host by Host header (exact, then longest `*.suffix`, then `*`), then
 * the first route whose path, headers, query parameters and method all match. Pure: no I/O, no
 * clock; it never changes a request, it only selects.
 */
import type * as ir from '../ir/types';

export type HeaderValue = string | readonly string[] | undefined;

/** The parts of a request routing looks at. Header names are lower-case (as node:http gives them). */
export interface RoutableRequest {
  readonly method: string;
  /** The Host header (`:authority`), possibly with a port. */
  readonly host: string;
  /** The request target: path and optional query string. */
  readonly url: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
}

export interface RouteMatchResult {
  readonly route: ir.Route;
  readonly virtualHost: string;
  /** The IR listener port the virtual host came from. */
  readonly listenerPort: number;
  /** The request path without its query string. */
  readonly path: string;
  /** The query string including its `?`, or ''. */
  readonly query: string;
}

type Predicate = (req: RoutableRequest, path: string, query: URLSearchParams) => boolean;

interface CompiledRoute {
  readonly route: ir.Route;
  readonly matches: Predicate;
}

interface CompiledVirtualHost {
  readonly name: string;
  readonly hostname: string;
  readonly listenerPort: number;
  readonly routes: CompiledRoute[];
  /** Some route matches on query parameters (only then is the query string parsed). */
  needsQuery: boolean;
}

/** Stands in for the parsed query when no route of the virtual host looks at it. */
const UNPARSED_QUERY = new URLSearchParams();

export class Router {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  /** `*.suffix` hosts, longest suffix first. */
  private readonly wildcards: { readonly suffix: string; readonly vhost: CompiledVirtualHost }[] = [];
  private any: CompiledVirtualHost | undefined;

  /**
   * Compiles every virtual host of the given listeners into one table. Virtual hosts of different
   * listeners with the same hostname are merged, routes in listener order.
   */
  constructor(listeners: readonly ir.Listener[]) {
    const byHost = new Map<string, CompiledVirtualHost>();
    for (const listener of listeners) {
      for (const vh of listener.virtualHosts) {
        const hostname = vh.hostname.toLowerCase();
        let compiled = byHost.get(hostname);
        if (!compiled) {
          compiled = { name: vh.name, hostname, listenerPort: listener.port, routes: [], needsQuery: false };
          byHost.set(hostname, compiled);
        }
        for (const route of vh.routes) {
          compiled.routes.push({ route, matches: compileMatch(route.match) });
          if (route.match.queryParams.length > 0) compiled.needsQuery = true;
        }
      }
    }
    for (const [hostname, vhost] of byHost) {
      if (hostname === '*') this.any = vhost;
      else if (hostname.startsWith('*')) this.wildcards.push({ suffix: hostname.slice(1), vhost });
      else this.exact.set(hostname, vhost);
    }
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /** The virtual host for a Host header value, or undefined. */
  virtualHostFor(host: string): CompiledVirtualHost | undefined {
    const name = stripPort(host).toLowerCase();
    const exact = this.exact.get(name);
    if (exact) return exact;
    for (const w of this.wildcards) {
      // `*.example.com` needs at least one character before `.example.com`.
      if (name.length > w.suffix.length && name.endsWith(w.suffix)) return w.vhost;
    }
    return this.any;
  }

  /** The first route matching the request, or undefined (Envoy answers 404). */
  match(req: RoutableRequest): RouteMatchResult | undefined {
    const vhost = this.virtualHostFor(req.host);
    if (!vhost) return undefined;
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? '' : req.url.slice(q);
    const params = vhost.needsQuery ? new URLSearchParams(query) : UNPARSED_QUERY;
    for (const compiled of vhost.routes) {
      if (compiled.matches(req, path, params)) {
        return { route: compiled.route, virtualHost: vhost.name, listenerPort: vhost.listenerPort, path, query };
      }
    }
    return undefined;
  }
}

/** `example.com:8080` → `example.com`; `[::1]:80` → `[::1]`; a bare IPv6 literal stays. */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon < 0 || host.indexOf(':', colon + 1) >= 0) return host;
  return host.slice(0, colon);
}

/**
 * Gateway API PathPrefix: element-wise. `/abc` matches `/abc`, `/abc/` and `/abc/def`, not
 * `/abcd`; a trailing `/` in the prefix is ignored; `/` matches everything.
 */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '') return path.startsWith('/');
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path[p.length] === '/';
}

/** A full-string regular expression (Envoy's RE2 `safe_regex` matches the whole value). */
export function fullMatchRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

function compilePath(path: ir.RouteMatch['path']): (p: string) => boolean {
  switch (path.type) {
    case 'Exact':
      return (p) => p === path.value;
    case 'PathPrefix':
      return (p) => pathPrefixMatches(path.value, p);
    case 'RegularExpression': {
      const re = fullMatchRegex(path.value);
      return re ? (p) => re.test(p) : () => false;
    }
  }
}

function compileValue(m: ir.NameValueMatch): (v: string) => boolean {
  if (m.type === 'Exact') return (v) => v === m.value;
  const re = fullMatchRegex(m.value);
  return re ? (v) => re.test(v) : () => false;
}

/** Several header lines with one name are matched as one comma-joined value, as Envoy does. */
export function headerValue(headers: Readonly<Record<string, HeaderValue>>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

function compileMatch(match: ir.RouteMatch): Predicate {
  const path = compilePath(match.path);
  const headers = match.headers.map((h) => ({ name: h.name.toLowerCase(), test: compileValue(h) }));
  const params = match.queryParams.map((q) => ({ name: q.name, test: compileValue(q) }));
  const method = match.method?.toUpperCase();
  return (req, p, query) => {
    if (!path(p)) return false;
    if (method !== undefined && req.method.toUpperCase() !== method) return false;
    for (const h of headers) {
      const v = headerValue(req.headers, h.name);
      if (v === undefined || !h.test(v)) return false;
    }
    for (const q of params) {
      const v = query.get(q.name);
      if (v === null || !q.test(v)) return false;
    }
    return true;
  };
}
