/**
 * EndpointSlice: validation, and the endpoints of one Service port with their health from the
 * slice conditions (ready -> healthy; terminating but serving -> draining; otherwise unhealthy).
 */
import type { EndpointSlice, Service, ServicePort, SliceEndpoint } from '../model/kube';
import { SERVICE_NAME_LABEL } from '../model/kube';
import type { Endpoint, EndpointHealth } from '../ir/types';
import type { Ctx } from './context';
import { setAcceptedStatus } from './status';
import { isIp, isIpv4, isIpv6, isDnsSubdomain, isPort } from './validation';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

export function translateEndpointSlice(slice: EndpointSlice, ctx: Ctx): void {
  const { report } = ctx;
  if (!slice.metadata.labels?.[SERVICE_NAME_LABEL]) {
    report.warn(slice, 'metadata.labels', 'NoService', `label ${SERVICE_NAME_LABEL} is missing, so no Service uses these endpoints; add it with the Service name`);
  }
  if (!ADDRESS_TYPES.includes(slice.spec.addressType)) report.error(slice, 'addressType', `addressType must be one of ${ADDRESS_TYPES.join(', ')}`);
  slice.spec.ports?.forEach((p, i) => {
    if (p.port !== undefined && !isPort(p.port)) report.error(slice, `ports[${i}].port`, `port ${p.port} is not in 1-65535`);
  });
  slice.spec.endpoints.forEach((e, i) => {
    e.addresses.forEach((a, j) => {
      if (!addressMatches(slice.spec.addressType, a)) report.error(slice, `endpoints[${i}].addresses[${j}]`, `"${a}" is not a valid ${slice.spec.addressType} address`);
    });
  });
  setAcceptedStatus(slice, ctx);
}

function addressMatches(type: string, address: string): boolean {
  if (type === 'IPv4') return isIpv4(address);
  if (type === 'IPv6') return isIpv6(address);
  return isDnsSubdomain(address) && !isIp(address);
}

/** Endpoints of `port` of `service`, from the valid slices labelled with its name; sorted, deduplicated. */
export function serviceEndpoints(service: Service, port: ServicePort, ctx: Ctx): Endpoint[] {
  const slices = ctx.index.slicesOf(service.metadata.namespace, service.metadata.name);
  const byAddress = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (ctx.report.hasErrors(slice)) continue;
    const target = slice.spec.ports?.find((p) => (p.name ?? '') === (port.name ?? ''))?.port ?? numericTargetPort(port);
    if (target === undefined) continue;
    for (const e of slice.spec.endpoints) {
      for (const address of e.addresses) {
        const key = `${address}:${target}`;
        if (!byAddress.has(key)) byAddress.set(key, { address, port: target, weight: 1, health: health(e) });
      }
    }
  }
  return [...byAddress.values()].sort(compareEndpoints);
}

function numericTargetPort(port: ServicePort): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return port.targetPort === undefined ? port.port : undefined;
}

function health(e: SliceEndpoint): EndpointHealth {
  const c = e.conditions ?? {};
  if (c.terminating === true) return c.serving === false ? 'unhealthy' : 'draining';
  if (c.ready === false) return 'unhealthy';
  return 'healthy';
}

export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port;
}
