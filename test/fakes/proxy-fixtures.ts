/**
 * Fixture builders for the native proxy's IR input: a backend with endpoints, a route, a virtual
 * host, a listener and a whole Ir. Small and realistic; tests override what they need.
 */
import type * as ir from '../../src/ir/types';

export function aBackend(name: string, ports: readonly number[], overrides: Partial<ir.Backend> = {}): ir.Backend {
  return {
    name,
    origins: [`Service/default/${name}`],
    engine: 'envoy',
    connectTimeoutMs: 1000,
    loadBalancing: 'round-robin',
    endpoints: ports.map((port) => anEndpoint('127.0.0.1', port)),
    ...overrides,
  };
}

export function anEndpoint(address: string, port: number, overrides: Partial<ir.Endpoint> = {}): ir.Endpoint {
  return { address, port, weight: 1, health: 'healthy', ...overrides };
}

export function aMatch(overrides: Partial<ir.RouteMatch> = {}): ir.RouteMatch {
  return { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...overrides };
}

export function forwardTo(backends: readonly (string | ir.WeightedBackend)[], overrides: Partial<ir.ForwardAction> = {}): ir.ForwardAction {
  return {
    type: 'forward',
    backends: backends.map((b) => (typeof b === 'string' ? { name: b, weight: 1 } : b)),
    unresolvedWeight: 0,
    ...overrides,
  };
}

export function aRoute(name: string, overrides: Partial<ir.Route> = {}): ir.Route {
  return { name, origin: `HTTPRoute/default/${name}`, match: aMatch(), action: forwardTo(['backend']), ...overrides };
}

export function aVirtualHost(hostname: string, routes: readonly ir.Route[]): ir.VirtualHost {
  return { name: `http_80/${hostname}`, hostname, routes };
}

export function aListener(port: number, virtualHosts: readonly ir.VirtualHost[], overrides: Partial<ir.Listener> = {}): ir.Listener {
  return { name: `http_${port}`, address: '127.0.0.1', port, protocol: 'HTTP', sources: ['Gateway/default/gw/http'], virtualHosts, ...overrides };
}

/** An IR with one listener (port 80 unless given), one `*` virtual host and the given routes. */
export function anIr(routes: readonly ir.Route[], backends: readonly ir.Backend[], port = 80): ir.Ir {
  return { listeners: [aListener(port, [aVirtualHost('*', routes)])], backends };
}
