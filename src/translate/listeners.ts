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
import { cmp, SortedList, Writers, type Tracker } from './units';

interface HostState {
  readonly hostname: string;
  /** Per unit, the route lists it attached under this hostname, in attachment order. */
  readonly writers: Writers<(readonly RankedRoute[])[]>;
  vh: VirtualHost | undefined;
}

interface PortState {
  readonly hosts: Map<string, HostState>;
  readonly sorted: SortedList<HostState>;
  /** Attachment sources (listener keys) with their number of attachments. */
  readonly sources: Map<string, number>;
  virtualHosts: VirtualHost[] | undefined;
  listener: Listener | undefined;
}

export class AttachmentBook {
  private readonly ports = new Map<number, PortState>();
  private readonly perSource = new Map<string, number>();

  constructor(private readonly tracker: Tracker) {}

  /** Records what the running unit attaches. */
  add(attachments: readonly Attachment[]): void {
    const unit = this.tracker.writer();
    for (const a of attachments) {
      const port = this.port(a.port);
      this.count(port.sources, a.source);
      this.count(this.perSource, a.source);
      for (const hostname of a.hostnames) {
        const host = this.host(port, hostname);
        let mine = host.writers.own(unit);
        if (!mine) {
          host.writers.put(unit, (mine = []));
          this.tracker.undoable(() => {
            host.writers.remove(unit);
            this.touch(port, host);
          });
        }
        mine.push(a.routes);
        this.touch(port, host);
      }
    }
  }

  /** Attachments per Gateway listener (`slotSource`), for listener statuses. */
  attachedCount(source: string): number {
    return this.perSource.get(source) ?? 0;
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
    if (!p) this.ports.set(port, (p = { hosts: new Map(), sorted: new SortedList((a, b) => cmp(a.hostname, b.hostname)), sources: new Map(), virtualHosts: undefined, listener: undefined }));
    return p;
  }

  private host(port: PortState, hostname: string): HostState {
    let h = port.hosts.get(hostname);
    if (!h) {
      h = { hostname, writers: new Writers(), vh: undefined };
      port.hosts.set(hostname, h);
      port.sorted.insert(h);
    }
    return h;
  }

  /** A host's routes changed: build its virtual host again (and drop it when nothing is attached). */
  private touch(port: PortState, host: HostState): void {
    host.vh = undefined;
    port.virtualHosts = undefined;
    if (host.writers.size > 0 || port.hosts.get(host.hostname) !== host) return;
    port.hosts.delete(host.hostname);
    port.sorted.remove(host);
  }

  private count(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.tracker.undoable(() => {
      const n = (counts.get(key) ?? 0) - 1;
      if (n > 0) counts.set(key, n);
      else counts.delete(key);
    });
  }
}

function virtualHost(listener: string, host: HostState): VirtualHost {
  const routes = new Map<string, RankedRoute>();
  for (let i = 0; i < host.writers.size; i++) {
    for (const list of host.writers.at(i)) for (const r of list) if (!routes.has(r.route.name)) routes.set(r.route.name, r);
  }
  return { name: virtualHostName(listener, host.hostname), hostname: host.hostname, routes: [...routes.values()].sort(compareRanked).map((r) => r.route) };
}
