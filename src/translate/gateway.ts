/**
 * GatewayClass and Gateway: which Gateways healthplane serves (every class, or only
 * `--gateway-class`), their listener validation, and their statuses (Accepted, Programmed and
 * per-listener conditions with the number of attached routes, known once routes are attached).
 */
import type { Gateway, GatewayClass, GatewayListener } from '../model/gateway-api';
import { GATEWAY_GROUP } from '../model/gateway-api';
import { refOf } from './failures';
import { nsName, type Ctx } from './context';
import { Writers, type Tracker, type Undo, type Unit } from './units';
import { condition, type Condition, type ListenerStatus } from './status';
import { isGatewayHostname, isPort } from './validation';

/** One served Gateway listener routes can attach to. */
export interface ListenerSlot {
  readonly gateway: Gateway;
  readonly listener: GatewayListener;
  readonly index: number;
  /** Why routes cannot attach (unsupported protocol, selector, kinds); undefined when they can. */
  readonly refusal?: { readonly reason: string; readonly message: string };
}

export interface ServedGateway {
  readonly gateway: Gateway;
  readonly slots: readonly ListenerSlot[];
}

/** The Gateways served under one namespace/name, per unit (the last in unit order wins). */
class ServedEntry implements Undo {
  readonly writers = new Writers<ServedGateway>();

  constructor(
    readonly key: string,
    private readonly book: ServedGateways,
  ) {}

  undo(unit: Unit): void {
    this.book.retract(this, unit);
  }
}

/** The served Gateways: by namespace/name for routes (a read they depend on), and all in unit order. */
export class ServedGateways {
  private readonly byKey = new Map<string, ServedEntry>();
  private readonly all = new Writers<ServedGateway>();

  constructor(private readonly tracker: Tracker) {}

  /** Records the Gateway the running unit serves. */
  add(served: ServedGateway): void {
    const unit = this.tracker.writer();
    const key = nsName(served.gateway.metadata.namespace, served.gateway.metadata.name);
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = new ServedEntry(key, this)));
    entry.writers.put(unit, served);
    this.all.put(unit, served);
    if (this.tracker.tracking) this.tracker.wrote(`served:${key}`, served);
    this.tracker.undoable(entry);
  }

  /** Takes back a unit's Gateway (ServedEntry.undo). */
  retract(entry: ServedEntry, unit: Unit): void {
    entry.writers.remove(unit);
    if (entry.writers.size === 0 && this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
    this.all.remove(unit);
  }

  get(key: string): ServedGateway | undefined {
    if (this.tracker.tracking) this.tracker.read(`served:${key}`);
    return this.byKey.get(key)?.writers.last(this.tracker.current);
  }

  /** Every served Gateway, in unit order. */
  list(): ServedGateway[] {
    return this.all.visible();
  }
}

export function isClassServed(className: string, ctx: Ctx): boolean {
  return ctx.options.gatewayClass === undefined || ctx.options.gatewayClass === className;
}

export function translateGatewayClass(gc: GatewayClass, ctx: Ctx): void {
  if (!isClassServed(gc.metadata.name, ctx)) return;
  ctx.statuses.set({ ref: refOf(gc), conditions: [condition('Accepted', true, 'Accepted', `served by ${ctx.options.controllerName}`)] });
}

/** Validates a Gateway of a served class and returns its listener slots; undefined when not ours. */
export function translateGateway(gw: Gateway, ctx: Ctx): ServedGateway | undefined {
  if (!isClassServed(gw.spec.gatewayClassName, ctx)) return undefined;
  if (!ctx.index.hasClass(gw.spec.gatewayClassName)) {
    ctx.report.warn(gw, 'spec.gatewayClassName', 'GatewayClassNotFound', `GatewayClass ${gw.spec.gatewayClassName} is not defined; healthplane serves this Gateway anyway (add the GatewayClass to make that explicit)`);
  }
  const listeners = gw.spec.listeners;
  if (listeners.length === 0 || listeners.length > 64) ctx.report.error(gw, 'spec.listeners', 'a Gateway needs 1-64 listeners');
  const seenNames = new Set<string>();
  const seenSockets = new Set<string>();
  const slots: ListenerSlot[] = [];
  listeners.forEach((l, i) => {
    const at = `spec.listeners[${i}]`;
    if (seenNames.has(l.name)) ctx.report.error(gw, `${at}.name`, `duplicate listener name "${l.name}"`);
    const socket = `${l.port}/${l.protocol}/${l.hostname ?? ''}`;
    if (seenSockets.has(socket)) ctx.report.error(gw, at, 'port, protocol and hostname must be unique among listeners');
    seenNames.add(l.name);
    seenSockets.add(socket);
    if (validateListener(gw, l, at, ctx)) slots.push({ gateway: gw, listener: l, index: i, ...refusalOf(gw, l, at, ctx) });
  });
  return { gateway: gw, slots: ctx.report.hasErrors(gw, 'spec.listeners') && slots.length === 0 ? [] : slots };
}

function validateListener(gw: Gateway, l: GatewayListener, at: string, ctx: Ctx): boolean {
  const before = ctx.report.hasErrors(gw, at);
  if (!isPort(l.port)) ctx.report.error(gw, `${at}.port`, `port ${l.port} is not in 1-65535`);
  if (l.hostname !== undefined && !isGatewayHostname(l.hostname)) ctx.report.error(gw, `${at}.hostname`, `hostname "${l.hostname}" must be a DNS name, optionally starting with "*."; IP addresses are not allowed`);
  if (l.tls && ['HTTP', 'TCP', 'UDP'].includes(l.protocol)) ctx.report.error(gw, `${at}.tls`, `tls must not be set for protocol ${l.protocol}`);
  const from = l.allowedRoutes?.namespaces?.from;
  if (from !== undefined && !['Same', 'All', 'Selector'].includes(from)) ctx.report.error(gw, `${at}.allowedRoutes.namespaces.from`, 'from must be Same, All or Selector');
  if ((l.allowedRoutes?.kinds?.length ?? 0) > 8) ctx.report.error(gw, `${at}.allowedRoutes.kinds`, 'at most 8 kinds');
  return !before && !ctx.report.hasErrors(gw, at);
}

function refusalOf(gw: Gateway, l: GatewayListener, at: string, ctx: Ctx): Pick<ListenerSlot, 'refusal'> {
  if (l.protocol !== 'HTTP') {
    ctx.report.warn(gw, `${at}.protocol`, 'UnsupportedProtocol', `protocol ${l.protocol} is not supported yet; only HTTP listeners are served`);
    return { refusal: { reason: 'UnsupportedProtocol', message: `protocol ${l.protocol} is not supported` } };
  }
  if (l.allowedRoutes?.namespaces?.from === 'Selector') {
    ctx.report.warn(gw, `${at}.allowedRoutes.namespaces.from`, 'UnsupportedValue', 'namespace selectors are not supported (healthplane does not read Namespaces): no route attaches to this listener; use Same or All');
    return { refusal: { reason: 'NotAllowedByListeners', message: 'namespace selectors are not supported' } };
  }
  const kinds = l.allowedRoutes?.kinds;
  if (kinds && kinds.length > 0 && !kinds.some((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute')) {
    return { refusal: { reason: 'NotAllowedByListeners', message: 'allowedRoutes.kinds does not include HTTPRoute' } };
  }
  return {};
}

/** Whether a route in `namespace` may attach to this listener. */
export function namespaceAllowed(slot: ListenerSlot, namespace: string): boolean {
  const from = slot.listener.allowedRoutes?.namespaces?.from ?? 'Same';
  return from === 'All' || (from === 'Same' && namespace === slot.gateway.metadata.namespace);
}

/** Gateway status once routes are attached: `attached` counts routes per listener index. */
export function setGatewayStatus(served: ServedGateway, attached: ReadonlyMap<number, number>, ctx: Ctx): void {
  const gw = served.gateway;
  const { errors } = ctx.report.counts(gw);
  const ok = served.slots.length > 0;
  const conditions: Condition[] = [
    ok ? condition('Accepted', true, 'Accepted', 'accepted') : condition('Accepted', false, errors > 0 ? 'Invalid' : 'ListenersNotValid', 'no listener can be served'),
    ok ? condition('Programmed', true, 'Programmed', 'programmed') : condition('Programmed', false, 'Invalid', 'nothing to program'),
  ];
  const listeners: ListenerStatus[] = gw.spec.listeners.map((l, i) => listenerStatus(served, l, i, attached.get(i) ?? 0));
  ctx.statuses.set({ ref: refOf(gw), conditions, listeners });
}

function listenerStatus(served: ServedGateway, l: GatewayListener, i: number, attachedRoutes: number): ListenerStatus {
  const slot = served.slots.find((s) => s.index === i);
  if (!slot) {
    return { name: l.name, attachedRoutes: 0, conditions: [condition('Accepted', false, 'Invalid', 'listener is invalid'), condition('Programmed', false, 'Invalid', 'listener is invalid')] };
  }
  if (slot.refusal?.reason === 'UnsupportedProtocol') {
    return { name: l.name, attachedRoutes: 0, conditions: [condition('Accepted', false, 'UnsupportedProtocol', slot.refusal.message), condition('Programmed', false, 'Invalid', slot.refusal.message)] };
  }
  const kindsOk = slot.refusal?.message !== 'allowedRoutes.kinds does not include HTTPRoute';
  return {
    name: l.name,
    attachedRoutes,
    conditions: [
      condition('Accepted', true, 'Accepted', 'accepted'),
      kindsOk ? condition('ResolvedRefs', true, 'ResolvedRefs', 'resolved') : condition('ResolvedRefs', false, 'InvalidRouteKinds', 'no supported route kind is allowed'),
      condition('Programmed', true, 'Programmed', 'programmed'),
    ],
  };
}
