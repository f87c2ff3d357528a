/**
 * Header rules of the native proxy, as Envoy applies them: hop-by-hop headers dropped in both
 * directions, `x-forwarded-for` / `x-forwarded-proto` / `x-request-id` / `x-envoy-expected-rq-timeout-ms`
 * on requests, and the Gateway API header modifiers (remove, then add, then set). Works on plain
 * lower-case header records; never touches sockets.
 */
import type { Random } from '../clock';
import type * as ir from '../ir/types';

export type HeaderRecord = Record<string, string | string[]>;

/** Connection-specific headers Envoy never forwards (plus any named in `connection`). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
/** Lengths of the hop-by-hop names: other names need no lower-casing to be kept. */
const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((n) => n.length));

/** Copies `headers` without hop-by-hop headers and without those listed in `Connection`. */
export function withoutHopByHop(headers: Readonly<Record<string, string | string[] | undefined>>): HeaderRecord {
  let listed: Set<string> | undefined;
  const connection = headers['connection'];
  if (connection !== undefined) {
    for (const v of typeof connection === 'string' ? [connection] : connection) {
      for (const token of v.split(',')) (listed ??= new Set()).add(token.trim().toLowerCase());
    }
  }
  const out: HeaderRecord = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if ((HOP_BY_HOP_LENGTHS.has(lower.length) && HOP_BY_HOP.has(lower)) || listed?.has(lower)) continue;
    out[lower] = typeof value === 'string' ? value : [...value];
  }
  // `te: trailers` is the one TE value Envoy passes on.
  const te = headers['te'];
  if (typeof te === 'string' && te.split(',').some((t) => t.trim().toLowerCase() === 'trailers')) out['te'] = 'trailers';
  return out;
}

const IMMEDIATE_HC_FAIL = 'x-envoy-immediate-health-check-fail';
/** Set by the proxy itself: an upstream's own value is dropped, as Envoy overwrites it. */
const SERVICE_TIME = 'x-envoy-upstream-service-time';

/** A response's headers as a flat `[name, value, ...]` list for `writeHead`, and what the proxy reads from them. */
export interface ResponseHeaderList {
  readonly flat: string[];
  /** The upstream sent `x-envoy-immediate-health-check-fail`. */
  readonly immediateHealthCheckFail: boolean;
}

/**
 * The upstream's response headers (a flat name/value list as the parser gives them) in the
 * upstream's order and case, without
 * hop-by-hop headers (nor those named in `Connection`). Cheaper than a record: only names that
 * could be hop-by-hop are lower-cased.
 */
export function responseHeaderList(raw: readonly string[]): ResponseHeaderList {
  const flat: string[] = [];
  let listed: Set<string> | undefined;
  let immediateHealthCheckFail = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const length = name.length;
    if (HOP_BY_HOP_LENGTHS.has(length)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') listed = connectionTokens(value, listed);
        continue;
      }
    } else if (length === IMMEDIATE_HC_FAIL.length && name.toLowerCase() === IMMEDIATE_HC_FAIL) immediateHealthCheckFail = true;
    else if (length === SERVICE_TIME.length && name.toLowerCase() === SERVICE_TIME) continue;
    flat.push(name, value);
  }
  if (!listed) return { flat, immediateHealthCheckFail };
  const kept: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    if (!listed.has(name.toLowerCase())) kept.push(name, flat[i + 1] as string);
  }
  return { flat: kept, immediateHealthCheckFail };
}

/**
 * Adds the names a `Connection` value lists to `listed`. Hop-by-hop names (`keep-alive`, the usual
 * token) are dropped anyway, so they are left out: a plain `Connection: keep-alive` lists nothing.
 */
function connectionTokens(value: string, listed: Set<string> | undefined): Set<string> | undefined {
  if (value.length === 10 && value.toLowerCase() === 'keep-alive') return listed;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && !HOP_BY_HOP.has(name)) (listed ??= new Set()).add(name);
  }
  return listed;
}

/** A flat header list as a lower-case record (repeated names become arrays), for header modifiers. */
export function recordOf(flat: readonly string[]): HeaderRecord {
  const out: HeaderRecord = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** Gateway API header modifier, applied in Envoy's order: removals first, then additions, then sets. */
export function applyHeaderModifier(headers: HeaderRecord, modifier: ir.HeaderModifier | undefined): void {
  if (!modifier) return;
  for (const name of modifier.remove) delete headers[name.toLowerCase()];
  for (const { name, value } of modifier.add) {
    const key = name.toLowerCase();
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else headers[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  for (const { name, value } of modifier.set) headers[name.toLowerCase()] = value;
}

/** `::ffff:10.0.0.1` → `10.0.0.1` (IPv4 clients of a dual-stack socket). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export interface ForwardingContext {
  /** Downstream peer address (as node:net reports it). */
  readonly remoteAddress: string | undefined;
  /** Scheme the client used (`http` on the native proxy's plain listeners). */
  readonly scheme: string;
  /** Route timeout in ms (0 = none): sent as `x-envoy-expected-rq-timeout-ms`. */
  readonly timeoutMs: number;
  readonly random: Random;
}

/**
 * Adds what Envoy adds to a forwarded request (edge proxy, `use_remote_address: true`): the peer
 * appended to `x-forwarded-for` (comma, no space), `x-forwarded-proto` set, an `x-request-id`
 * generated when the client sent none, and the expected timeout.
 */
export function addForwardingHeaders(headers: HeaderRecord, ctx: ForwardingContext): void {
  if (ctx.remoteAddress !== undefined) {
    const peer = plainAddress(ctx.remoteAddress);
    const xff = headers['x-forwarded-for'];
    const prior = xff === undefined ? '' : Array.isArray(xff) ? xff.join(',') : xff;
    headers['x-forwarded-for'] = prior === '' ? peer : `${prior},${peer}`;
  }
  headers['x-forwarded-proto'] = ctx.scheme;
  const rid = headers['x-request-id'];
  if (rid === undefined || rid === '' || Array.isArray(rid)) headers['x-request-id'] = ctx.random.uuid ? ctx.random.uuid() : uuidV4(ctx.random);
  if (ctx.timeoutMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(ctx.timeoutMs);
  else delete headers['x-envoy-expected-rq-timeout-ms'];
}

/** An RFC 4122 version-4 UUID drawn from the injected Random. */
export function uuidV4(random: Random): string {
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(random.next() * 256) & 0xff);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
