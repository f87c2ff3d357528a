/**
 * AttachmentBook: the routes that HTTPRoutes and Ingresses attach, per listener port and hostname,
 * kept across translations with the unit that attached them; and the ir.Listeners assembled from
 * it: one per port of every served HTTP Gateway listener (and the Ingress port when Ingresses
 * attach), one virtual host per hostname, routes in precedence order. Only virtual hosts whose
 * routes changed are built again; an unchanged listener is the previous object.
 */
import type { Listener, VirtualHost } from '../ir/types';
import { listenerName, virtualHostName } from '../ir/names';
import { sameItems } from './context';
import type { ServedGateway } from './gateway';
import { slotSource, type Attachment } from './http-route';
import { compareRanked, type RankedRoute } from './routes-order';
import { cmp, CountMap, SortedList, Writers, type Tracker, type Undo, type Unit } from './units';

interface PortState {
  readonly hosts: Map<string, HostState>;
  readonly sorted: SortedList<HostState>;
  /** Attachment sources (listener keys) with their number of attachments. */
  readonly sources: CountMap;
  virtualHosts: VirtualHost[] | undefined;
  listener: Listener | undefined;
}

/** The routes attached under one hostname of one port, per unit. */
class HostState implements Undo {
  /** Per unit, the route lists it attached under this hostname, in attachment order. */
  readonly writers = new Writers<(readonly RankedRoute[])[]>();
  vh: VirtualHost | undefined;

  constructor(
    readonly hostname: string,
    private readonly port: PortState,
    private readonly book: AttachmentBook,
  ) {}

  undo(unit: Unit): void {
    this.writers.remove(unit);
    this.book.touch(this.port, this);
  }
}

export class AttachmentBook {
  private readonly ports = new Map<number, PortState>();
  private readonly perSource: CountMap;

  constructor(private readonly tracker: Tracker) {
    this.perSource = new CountMap(tracker);
  }

  /** Records what the running unit attaches. */
  add(attachments: readonly Attachment[]): void {
    const unit = this.tracker.writer();
    for (const a of attachments) {
      const port = this.port(a.port);
      port.sources.add(a.source);
      this.perSource.add(a.source);
      for (const hostname of a.hostnames) {
        const host = this.host(port, hostname);
        let mine = host.writers.own(unit);
        if (!mine) {
          host.writers.put(unit, (mine = []));
          this.tracker.undoable(host);
        }
        mine.push(a.routes);
        this.touch(port, host);
      }
    }
  }

  /** Attachments per Gateway listener (`slotSource`), for listener statuses. */
  attachedCount(source: string): number {
    return this.perSource.get(source);
  }

  /** The listeners: ports of the served Gateways' listeners and of every attachment. */
  listeners(served: readonly ServedGateway[], address: string): Listener[] {
    const slotSources = new Map<number, Set<string>>();
    for (const gw of served) {
      for (const slot of gw.slots) {
        if (slot.refusal?.reason === 'UnsupportedProtocol') continue;
        const set = slotSources.get(slot.listener.port) ?? new Set<string>();
        slotSources.set(slot.listener.port, set.add(slotSource(slot)));
      }
    }
    const ports = new Set([...slotSources.keys(), ...[...this.ports].filter(([, p]) => p.sources.size > 0).map(([port]) => port)]);
    return [...ports].sort((a, b) => a - b).map((port) => this.listener(port, slotSources.get(port), address));
  }

  private listener(port: number, slotSources: ReadonlySet<string> | undefined, address: string): Listener {
    const name = listenerName(port);
    const state = this.ports.get(port);
    let virtualHosts: VirtualHost[] = [];
    if (state) {
      state.virtualHosts ??= state.sorted.items.map((h) => (h.vh ??= virtualHost(name, h)));
      virtualHosts = state.virtualHosts;
    }
    const sources = [...new Set([...(slotSources ?? []), ...(state?.sources.keys() ?? [])])].sort();
    const last = state?.listener;
    if (last && last.address === address && sameItems(last.sources, sources) && last.virtualHosts === virtualHosts) return last;
    const built: Listener = { name, address, port, protocol: 'HTTP', sources, virtualHosts };
    if (state) state.listener = built;
    return built;
  }

  private port(port: number): PortState {
    let p = this.ports.get(port);
    if (!p) this.ports.set(port, (p = { hosts: new Map(), sorted: new SortedList((a, b) => cmp(a.hostname, b.hostname)), sources: new CountMap(this.tracker), virtualHosts: undefined, listener: undefined }));
    return p;
  }

  private host(port: PortState, hostname: string): HostState {
    let h = port.hosts.get(hostname);
    if (!h) {
      h = new HostState(hostname, port, this);
      port.hosts.set(hostname, h);
      port.sorted.insert(h);
    }
    return h;
  }

  /** A host's routes changed: build its virtual host again (and drop it when nothing is attached). */
  touch(port: PortState, host: HostState): void {
    host.vh = undefined;
    port.virtualHosts = undefined;
    if (host.writers.size > 0 || port.hosts.get(host.hostname) !== host) return;
    port.hosts.delete(host.hostname);
    port.sorted.remove(host);
  }

}

function virtualHost(listener: string, host: HostState): VirtualHost {
  const routes = new Map<string, RankedRoute>();
  for (let i = 0; i < host.writers.size; i++) {
    for (const list of host.writers.at(i)) for (const r of list) if (!routes.has(r.route.name)) routes.set(r.route.name, r);
  }
  return { name: virtualHostName(listener, host.hostname), hostname: host.hostname, routes: [...routes.values()].sort(compareRanked).map((r) => r.route) };
}
