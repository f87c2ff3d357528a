/**
 * Relevance: which Services (and so which EndpointSlices) the translation can use. A Service is
 * relevant when an Upstream, an HTTPRoute backendRef or an Ingress backend names it, or when it
 * carries the Kong upstream-policy annotation; an EndpointSlice when its Service is. Receives the
 * decoded objects; emits `namespace/name` keys. Pure: no I/O, no state.
 */
import { SERVICE_NAME_LABEL, type EndpointSlice, type IngressBackend } from '../../model/kube';
import { UPSTREAM_POLICY_ANNOTATION } from '../../model/kong';
import type { AnyResource } from '../../model/resources';

/** `namespace/name` of every Service some object refers to (or that carries a Kong policy). */
export function relevantServices(objects: Iterable<AnyResource>): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    switch (o.kind) {
      case 'Upstream': {
        const kube = o.spec.kube;
        if (kube?.serviceName) out.add(`${kube.serviceNamespace || ns}/${kube.serviceName}`);
        break;
      }
      case 'HTTPRoute':
        for (const rule of o.spec.rules ?? []) {
          for (const ref of rule.backendRefs ?? []) {
            if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service') out.add(`${ref.namespace ?? ns}/${ref.name}`);
          }
        }
        break;
      case 'Ingress':
        addIngressBackend(out, ns, o.spec.defaultBackend);
        for (const rule of o.spec.rules ?? []) for (const p of rule.http?.paths ?? []) addIngressBackend(out, ns, p.backend);
        break;
      case 'Service':
        if (o.metadata.annotations?.[UPSTREAM_POLICY_ANNOTATION] !== undefined) out.add(`${ns}/${o.metadata.name}`);
        break;
      default:
        break;
    }
  }
  return out;
}

function addIngressBackend(out: Set<string>, ns: string, backend: IngressBackend | undefined): void {
  if (backend?.service?.name) out.add(`${ns}/${backend.service.name}`);
}

/** The `namespace/name` of the Service an EndpointSlice belongs to (undefined without the label). */
export function sliceService(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

/** Whether an object is published given the relevant Services (every kind but Service/EndpointSlice is). */
export function isRelevant(o: AnyResource, services: ReadonlySet<string>): boolean {
  if (o.kind === 'Service') return services.has(`${o.metadata.namespace}/${o.metadata.name}`);
  if (o.kind === 'EndpointSlice') {
    const svc = sliceService(o);
    return svc !== undefined && services.has(svc);
  }
  return true;
}
