/**
 * Assembles ir.Listeners: one per port of every served HTTP Gateway listener (and the Ingress
 * port when Ingresses attach), one virtual host per hostname, routes in precedence order.
 */
import type { Listener, VirtualHost } from '../ir/types';
import { listenerName, virtualHostName } from '../ir/names';
import type { Ctx } from './context';
import type { ServedGateway } from './gateway';
import { slotSource, type Attachment } from './http-route';
import { compareRanked, type RankedRoute } from './routes-order';

interface PortBuilder {
  readonly sources: Set<string>;
  readonly hosts: Map<string, Map<string, RankedRoute>>;
}

export function assembleListeners(served: readonly ServedGateway[], attachments: readonly Attachment[], ctx: Ctx): Listener[] {
  const ports = new Map<number, PortBuilder>();
  const portOf = (port: number): PortBuilder => {
    let b = ports.get(port);
    if (!b) ports.set(port, (b = { sources: new Set(), hosts: new Map() }));
    return b;
  };
  for (const gw of served) for (const slot of gw.slots) if (!slot.refusal || slot.refusal.reason !== 'UnsupportedProtocol') portOf(slot.listener.port).sources.add(slotSource(slot));
  for (const a of attachments) {
    const b = portOf(a.port);
    b.sources.add(a.source);
    for (const host of a.hostnames) {
      const routes = b.hosts.get(host) ?? new Map<string, RankedRoute>();
      for (const r of a.routes) if (!routes.has(r.route.name)) routes.set(r.route.name, r);
      b.hosts.set(host, routes);
    }
  }
  return [...ports.entries()].sort(([a], [b]) => a - b).map(([port, b]) => listener(port, b, ctx));
}

function listener(port: number, b: PortBuilder, ctx: Ctx): Listener {
  const name = listenerName(port);
  const virtualHosts: VirtualHost[] = [...b.hosts.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([hostname, routes]) => ({ name: virtualHostName(name, hostname), hostname, routes: [...routes.values()].sort(compareRanked).map((r) => r.route) }));
  return { name, address: ctx.options.listenerAddress, port, protocol: 'HTTP', sources: [...b.sources].sort(), virtualHosts };
}

/** Routes attached per Gateway listener, for listener statuses. */
export function attachedCounts(attachments: readonly Attachment[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of attachments) counts.set(a.source, (counts.get(a.source) ?? 0) + 1);
  return counts;
}
