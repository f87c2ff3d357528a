/**
 * IrValidationCache: what validateIr() keeps between calls so that validating an IR again costs
 * in proportion to what changed. Holds each backend's and virtual host's checks by identity, the
 * last backend list (its errors position by position, how often each name occurs) and, per
 * listener name, its last virtual hosts with their errors and which backends they reference.
 * Receives the IR; emits exactly the errors validateIr() without a cache gives. Pure.
 */
import { hostChecks, hostErrors, isPort, validateBackend, validateListener, type HostCheck, type IrError } from './checks';
import type { Backend, Ir, Listener, VirtualHost } from './types';
import { commonEnds } from '../lists';

const NONE: readonly never[] = Object.freeze([]);

interface HostEntry {
  readonly vh: VirtualHost;
  readonly checks: readonly HostCheck[];
  errors: readonly IrError[];
}

interface ListenerState {
  readonly at: string;
  hosts: readonly VirtualHost[];
  entries: HostEntry[];
  readonly hostnames: Map<string, number>;
  repeated: number;
  /** Backend name -> the hosts whose routes reference it. */
  readonly refs: Map<string, Set<HostEntry>>;
  /** Entries with errors. */
  failing: number;
  epoch: number;
}

export class IrValidationCache {
  readonly backendChecks = new WeakMap<Backend, { readonly at: string; readonly errors: readonly IrError[] }>();
  readonly hosts = new WeakMap<VirtualHost, { readonly at: string; readonly checks: readonly HostCheck[] }>();
  readonly listeners = new Map<string, ListenerState>();
  backends: readonly Backend[] = [];
  backendErrors: (readonly IrError[])[] = [];
  readonly names = new Map<string, number>();
  repeated = 0;
  epoch = 0;
}

export function validateWithCache(ir: Ir, cache: IrValidationCache): IrError[] {
  cache.epoch++;
  const flipped = updateBackends(ir.backends, cache);
  const errors: IrError[] = [];
  if (cache.repeated > 0) {
    const seen = new Set<string>();
    ir.backends.forEach((b, i) => {
      if (seen.has(b.name)) errors.push({ path: `backends[${b.name}]`, message: 'duplicate backend name' });
      seen.add(b.name);
      errors.push(...(cache.backendErrors[i] ?? []));
    });
  } else for (const list of cache.backendErrors) if (list.length > 0) errors.push(...list);
  const has = (name: string): boolean => cache.names.has(name);
  const names = ir.listeners.map((l) => l.name);
  if (new Set(names).size !== names.length) {
    cache.listeners.clear();
    const seen = new Set<string>();
    for (const l of ir.listeners) {
      if (seen.has(l.name)) errors.push({ path: `listeners[${l.name}]`, message: 'duplicate listener name' });
      seen.add(l.name);
      validateListener(l, has, errors);
    }
    return errors;
  }
  for (const l of ir.listeners) errors.push(...listenerErrors(l, has, flipped, cache));
  for (const name of [...cache.listeners.keys()]) if (!names.includes(name)) cache.listeners.delete(name);
  return errors;
}

/** Follows the backend list's changes; returns the names that appeared or disappeared. */
function updateBackends(next: readonly Backend[], cache: IrValidationCache): Set<string> {
  const prev = cache.backends;
  const { head, tail } = commonEnds(prev, next);
  const existed = new Map<string, boolean>();
  const count = (name: string, delta: number): void => {
    const before = cache.names.get(name) ?? 0;
    if (!existed.has(name)) existed.set(name, before > 0);
    const after = before + delta;
    if (after > 0) cache.names.set(name, after);
    else cache.names.delete(name);
    if (before <= 1 && after > 1) cache.repeated++;
    if (before > 1 && after <= 1) cache.repeated--;
  };
  for (let i = head; i < prev.length - tail; i++) count((prev[i] as Backend).name, -1);
  const middle: (readonly IrError[])[] = [];
  for (let i = head; i < next.length - tail; i++) {
    const b = next[i] as Backend;
    count(b.name, 1);
    middle.push(backendErrors(b, cache));
  }
  cache.backendErrors = cache.backendErrors.slice(0, head).concat(middle, cache.backendErrors.slice(prev.length - tail));
  cache.backends = next;
  return new Set([...existed].filter(([name, was]) => cache.names.has(name) !== was).map(([name]) => name));
}

function backendErrors(b: Backend, cache: IrValidationCache): readonly IrError[] {
  const at = `backends[${b.name}]`;
  const hit = cache.backendChecks.get(b);
  if (hit && hit.at === at) return hit.errors;
  const errors: IrError[] = [];
  validateBackend(b, at, errors);
  cache.backendChecks.set(b, { at, errors });
  return errors;
}

/** One listener's errors: its virtual hosts followed position by position (by identity). */
function listenerErrors(l: Listener, has: (name: string) => boolean, flipped: ReadonlySet<string>, cache: IrValidationCache): IrError[] {
  const at = `listeners[${l.name}]`;
  let state = cache.listeners.get(l.name);
  if (!state || state.at !== at) cache.listeners.set(l.name, (state = { at, hosts: [], entries: [], hostnames: new Map(), repeated: 0, refs: new Map(), failing: 0, epoch: 0 }));
  const s = state;
  const { head, tail } = commonEnds(s.hosts, l.virtualHosts);
  s.entries.slice(head, s.entries.length - tail).forEach((e) => forget(s, e));
  const middle = l.virtualHosts.slice(head, l.virtualHosts.length - tail).map((vh) => remember(s, vh, has, cache));
  s.entries = s.entries.slice(0, head).concat(middle, s.entries.slice(s.entries.length - tail));
  s.hosts = l.virtualHosts;
  const stale = s.epoch !== cache.epoch - 1 ? s.entries : [...flipped].flatMap((name) => [...(s.refs.get(name) ?? [])]);
  for (const e of stale) setErrors(s, e, hostErrors(e.checks, has));
  s.epoch = cache.epoch;
  if (s.repeated > 0) {
    const errors: IrError[] = [];
    validateListener(l, has, errors);
    return errors;
  }
  const errors: IrError[] = isPort(l.port) ? [] : [{ path: `${at}.port`, message: `port ${l.port} is not in 1-65535` }];
  if (s.failing > 0) for (const e of s.entries) errors.push(...e.errors);
  return errors;
}

function remember(s: ListenerState, vh: VirtualHost, has: (name: string) => boolean, cache: IrValidationCache): HostEntry {
  const at = `${s.at}.virtualHosts[${vh.hostname}]`;
  let memo = cache.hosts.get(vh);
  if (!memo || memo.at !== at) cache.hosts.set(vh, (memo = { at, checks: hostChecks(vh, at) }));
  const e: HostEntry = { vh, checks: memo.checks, errors: NONE };
  setErrors(s, e, hostErrors(e.checks, has));
  const n = (s.hostnames.get(vh.hostname) ?? 0) + 1;
  s.hostnames.set(vh.hostname, n);
  if (n === 2) s.repeated++;
  for (const c of e.checks) {
    if (c.unlessBackend === undefined) continue;
    const set = s.refs.get(c.unlessBackend);
    if (set) set.add(e);
    else s.refs.set(c.unlessBackend, new Set([e]));
  }
  return e;
}

function forget(s: ListenerState, e: HostEntry): void {
  setErrors(s, e, NONE);
  const n = (s.hostnames.get(e.vh.hostname) ?? 0) - 1;
  if (n > 0) s.hostnames.set(e.vh.hostname, n);
  else s.hostnames.delete(e.vh.hostname);
  if (n === 1) s.repeated--;
  for (const c of e.checks) {
    if (c.unlessBackend === undefined) continue;
    const set = s.refs.get(c.unlessBackend);
    set?.delete(e);
    if (set?.size === 0) s.refs.delete(c.unlessBackend);
  }
}

function setErrors(s: ListenerState, e: HostEntry, errors: readonly IrError[]): void {
  s.failing += (errors.length > 0 ? 1 : 0) - (e.errors.length > 0 ? 1 : 0);
  e.errors = errors.length > 0 ? errors : NONE;
}

