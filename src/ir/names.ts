/**
 * The only place resource names are built. Cluster names follow the projects users come from
 * (resources.md §1.2), so their docs' /clusters lines and Admin API paths work verbatim.
 */

/** Gloo / kgateway Upstream: `<name>_<namespace>`. */
export function upstreamBackendName(namespace: string, name: string): string {
  return `${name}_${namespace}`;
}

/** A Service referenced without a Kong policy: `kube_<namespace>_<service>_<port>`. */
export function serviceBackendName(namespace: string, service: string, port: number): string {
  return `kube_${namespace}_${service}_${port}`;
}

/** A Kong-policy HTTPRoute rule (KIC's upstream per rule): `httproute.<ns>.<route>.<ruleIndex>`. */
export function kongRouteRuleBackendName(namespace: string, route: string, ruleIndex: number): string {
  return `httproute.${namespace}.${route}.${ruleIndex}`;
}

/** A Kong-policy Service behind an Ingress (KIC's upstream): `<service>.<ns>.<port>.svc`. */
export function kongServiceBackendName(namespace: string, service: string, port: number): string {
  return `${service}.${namespace}.${port}.svc`;
}

/** Listener and its route configuration share one name per port. */
export function listenerName(port: number): string {
  return `http_${port}`;
}

export function routeConfigName(port: number): string {
  return `http_${port}`;
}

export function virtualHostName(listener: string, hostname: string): string {
  return `${listener}/${hostname}`;
}

export function httpRouteRouteName(namespace: string, name: string, rule: number, match: number): string {
  return `httproute/${namespace}/${name}/rule/${rule}/match/${match}`;
}

export function ingressRouteName(namespace: string, name: string, rule: number, path: number): string {
  return `ingress/${namespace}/${name}/rule/${rule}/path/${path}`;
}

export function ingressDefaultRouteName(namespace: string, name: string): string {
  return `ingress/${namespace}/${name}/default`;
}

/**
 * Envoy cluster that never exists: weighted routes send the unresolved share of traffic there,
 * and `cluster_not_found_response_code: INTERNAL_SERVER_ERROR` turns it into the 500 the Gateway
 * API requires. Snapshot consistency checks must not expect it.
 */
export const UNRESOLVED_BACKEND_CLUSTER = 'healthplane.unresolved-backend';
