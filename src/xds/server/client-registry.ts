/**
 * ClientRegistry: a read-only record of every open xDS stream, fed by the server's hooks (node,
 * group, protocol, per type: subscription, what was sent, ACKed and NACKed, counters). Emits the
 * JSON of GET /xds/clients (clients()) and the per-resource view CSDS needs (streams()). Forgets
 * a stream when it closes, so memory follows the open streams. Never calls back into a stream and
 * never throws from a hook.
 */
import type { Clock } from '../../clock';
import { FULL_STATE_TYPES, PUSH_ORDER, TYPE_SHORT_NAME, isServedTypeUrl } from '../type-urls';
import type { AckEvent, NackEvent, NodeInfo, ResponseEvent, ServerHooks, StreamInfo } from './hooks';

/** What the client has been told about one resource, as far as this server knows. */
export type ResourceState = 'sent' | 'acked' | 'nacked';

export interface NackRecord {
  readonly nonce: string;
  /** The version the client reported in its NACK (its last good one, or the new one for gRPC). */
  readonly version: string;
  readonly rejectedVersion: string;
  readonly errorCode: number;
  readonly errorMessage: string;
  readonly resources: readonly string[];
  readonly at: number;
}

export interface ResourceRecord {
  readonly name: string;
  /** The resource's own (content hash) version last sent. */
  readonly version: string;
  /** The response-level version it was sent with (SotW type version; delta system version). */
  readonly responseVersion: string;
  readonly nonce: string;
  readonly sentAt: number;
  readonly state: ResourceState;
  /** The resource version the client last ACKed, if any. */
  readonly ackedVersion: string | undefined;
  /** The response-level version of the response that ACK covered. */
  readonly ackedResponseVersion: string | undefined;
  readonly ackedAt: number | undefined;
  readonly nack: NackRecord | undefined;
}

export interface TypeRecord {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly subscribed: readonly string[];
  readonly lastSent: { readonly version: string; readonly nonce: string; readonly at: number; readonly resources: number; readonly removed: number; readonly bytes: number } | undefined;
  readonly acked: { readonly version: string; readonly nonce: string; readonly at: number } | undefined;
  readonly lastNack: NackRecord | undefined;
  readonly counters: { readonly responses: number; readonly acks: number; readonly nacks: number; readonly bytesSent: number };
  readonly resources: ReadonlyMap<string, ResourceRecord>;
}

export interface StreamRecord {
  readonly info: StreamInfo;
  readonly node: NodeInfo | undefined;
  readonly group: string | undefined;
  readonly types: ReadonlyMap<string, TypeRecord>;
}

export interface ClientRegistryOptions {
  readonly clock: Clock;
  /** Types tracked per stream; requests for further types are not recorded (default 16). */
  readonly maxTypesPerStream?: number;
}

/** Response sequence numbers remembered per type, to tell which response an ACK/NACK names. */
const NONCES_KEPT = 64;

interface MutableType {
  typeUrl: string;
  wildcard: boolean;
  subscribed: readonly string[];
  lastSent: TypeRecord['lastSent'];
  acked: TypeRecord['acked'];
  lastNack: NackRecord | undefined;
  counters: { responses: number; acks: number; nacks: number; bytesSent: number };
  resources: Map<string, ResourceRecord & { seq: number }>;
  nonceSeq: Map<string, number>;
  seq: number;
}

interface MutableStream {
  info: StreamInfo;
  node: NodeInfo | undefined;
  group: string | undefined;
  types: Map<string, MutableType>;
}

export class ClientRegistry implements ServerHooks {
  private readonly streams = new Map<number, MutableStream>();
  private readonly maxTypes: number;

  constructor(private readonly options: ClientRegistryOptions) {
    this.maxTypes = options.maxTypesPerStream ?? 16;
  }

  onStreamOpen(info: StreamInfo): void {
    this.streams.set(info.id, { info, node: undefined, group: undefined, types: new Map() });
  }

  onNode(streamId: number, node: NodeInfo, groupKey: string): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    s.node = node;
    s.group = groupKey;
  }

  onSubscription(streamId: number, typeUrl: string, names: readonly string[], wildcard: boolean): void {
    const t = this.typeOf(streamId, typeUrl);
    if (!t) return;
    t.subscribed = [...names];
    t.wildcard = wildcard;
    if (wildcard) return;
    const wanted = new Set(names);
    for (const name of t.resources.keys()) if (!wanted.has(name)) t.resources.delete(name);
  }

  onResponse(streamId: number, e: ResponseEvent): void {
    const s = this.streams.get(streamId);
    const t = this.typeOf(streamId, e.typeUrl);
    if (!s || !t) return;
    const seq = ++t.seq;
    t.nonceSeq.set(e.nonce, seq);
    if (t.nonceSeq.size > NONCES_KEPT) t.nonceSeq.delete(t.nonceSeq.keys().next().value as string);
    t.lastSent = { version: e.version, nonce: e.nonce, at: e.at, resources: e.resources.length, removed: e.removed.length, bytes: e.bytes };
    t.counters.responses++;
    t.counters.bytesSent += e.bytes;
    // A SotW response of a full-state type replaces everything the client holds of that type.
    if (s.info.protocol === 'sotw' && isFullState(e.typeUrl)) {
      const keep = new Set(e.resources.map((r) => r.name));
      for (const name of t.resources.keys()) if (!keep.has(name)) t.resources.delete(name);
    }
    for (const name of e.removed) t.resources.delete(name);
    for (const r of e.resources) {
      const before = t.resources.get(r.name);
      t.resources.set(r.name, {
        name: r.name,
        version: r.version,
        responseVersion: e.version,
        nonce: e.nonce,
        sentAt: e.at,
        state: 'sent',
        ackedVersion: before?.ackedVersion,
        ackedResponseVersion: before?.ackedResponseVersion,
        ackedAt: before?.ackedAt,
        nack: before?.nack,
        seq,
      });
    }
  }

  onAck(streamId: number, e: AckEvent): void {
    const s = this.streams.get(streamId);
    const t = this.typeOf(streamId, e.typeUrl);
    if (!s || !t) return;
    t.counters.acks++;
    t.acked = { version: e.version, nonce: e.nonce, at: e.at };
    const seq = t.nonceSeq.get(e.nonce);
    if (seq === undefined) return;
    // SotW: the latest ACK covers every earlier response; delta ACKs one response each.
    const covers = (r: { seq: number }): boolean => (s.info.protocol === 'sotw' ? r.seq <= seq : r.seq === seq);
    for (const [name, r] of t.resources) {
      if (r.state === 'sent' && covers(r)) t.resources.set(name, { ...r, state: 'acked', ackedVersion: r.version, ackedResponseVersion: r.responseVersion, ackedAt: e.at, nack: undefined });
    }
  }

  onNack(streamId: number, e: NackEvent): void {
    const t = this.typeOf(streamId, e.typeUrl);
    if (!t) return;
    t.counters.nacks++;
    const nack: NackRecord = {
      nonce: e.nonce,
      version: e.version,
      rejectedVersion: e.rejectedVersion,
      errorCode: e.errorCode,
      errorMessage: e.errorMessage,
      resources: [...e.rejectedResources],
      at: e.at,
    };
    t.lastNack = nack;
    const seq = t.nonceSeq.get(e.nonce);
    for (const [name, r] of t.resources) {
      if (r.state === 'sent' && r.seq === seq) t.resources.set(name, { ...r, state: 'nacked', nack });
    }
  }

  onStreamClosed(streamId: number): void {
    this.streams.delete(streamId);
  }

  /** Number of open streams known. */
  get size(): number {
    return this.streams.size;
  }

  /** The open streams, by id (read-only views; for CSDS). */
  streamRecords(): readonly StreamRecord[] {
    return [...this.streams.values()].sort((a, b) => a.info.id - b.info.id);
  }

  /** The JSON of GET /xds/clients (see XdsClientsView). */
  clients(options: ClientsViewOptions = {}): XdsClientsView {
    const records = this.streamRecords().filter((s) => options.nodeId === undefined || s.node?.id === options.nodeId);
    return {
      generated_at: iso(this.options.clock.now()),
      clients: records.map((s) => toClientView(s, options.resources ?? true)),
    };
  }

  private typeOf(streamId: number, typeUrl: string): MutableType | undefined {
    const s = this.streams.get(streamId);
    if (!s) return undefined;
    let t = s.types.get(typeUrl);
    if (!t) {
      if (s.types.size >= this.maxTypes) return undefined;
      t = {
        typeUrl,
        wildcard: false,
        subscribed: [],
        lastSent: undefined,
        acked: undefined,
        lastNack: undefined,
        counters: { responses: 0, acks: 0, nacks: 0, bytesSent: 0 },
        resources: new Map(),
        nonceSeq: new Map(),
        seq: 0,
      };
      s.types.set(typeUrl, t);
    }
    return t;
  }
}

function isFullState(typeUrl: string): boolean {
  return isServedTypeUrl(typeUrl) && FULL_STATE_TYPES.has(typeUrl);
}

export interface ClientsViewOptions {
  /** Include the per-resource list (default true). */
  readonly resources?: boolean;
  /** Only streams whose node.id equals this. */
  readonly nodeId?: string;
}

/**
 * The documented JSON of GET /xds/clients. Field names are snake_case like Envoy's admin API;
 * times are RFC 3339 strings; clients are ordered by stream id, types in push order.
 */
export interface XdsClientsView {
  readonly generated_at: string;
  readonly clients: readonly XdsClientView[];
}

export interface XdsClientView {
  readonly stream_id: number;
  readonly protocol: 'sotw' | 'delta';
  readonly service: string;
  readonly peer: string;
  readonly opened_at: string;
  /** null until the first request carrying a node arrived. */
  readonly node: {
    readonly id: string;
    readonly cluster: string;
    readonly user_agent: string;
    readonly client_features: readonly string[];
    readonly locality: { readonly region: string; readonly zone: string; readonly sub_zone: string };
  } | null;
  /** The snapshot group the node is served from (null before its first request). */
  readonly group: string | null;
  readonly types: readonly XdsClientTypeView[];
}

export interface XdsClientTypeView {
  readonly type_url: string;
  /** clusters, endpoints, listeners, routes; the type URL for types we do not serve. */
  readonly type: string;
  readonly wildcard: boolean;
  readonly subscribed: readonly string[];
  readonly sent: { readonly version: string; readonly nonce: string; readonly at: string; readonly resources: number; readonly removed: number; readonly bytes: number } | null;
  readonly acked: { readonly version: string; readonly nonce: string; readonly at: string } | null;
  readonly last_nack: {
    readonly nonce: string;
    readonly version: string;
    readonly rejected_version: string;
    readonly error_code: number;
    readonly error_message: string;
    readonly resources: readonly string[];
    readonly at: string;
  } | null;
  readonly counters: { readonly responses: number; readonly acks: number; readonly nacks: number; readonly bytes_sent: number };
  /** Omitted with ?resources=false. Sorted by name. */
  readonly resources?: readonly { readonly name: string; readonly version: string; readonly state: ResourceState; readonly acked_version: string | null }[];
}

function toClientView(s: StreamRecord, withResources: boolean): XdsClientView {
  const n = s.node;
  return {
    stream_id: s.info.id,
    protocol: s.info.protocol,
    service: s.info.service,
    peer: s.info.peer,
    opened_at: iso(s.info.openedAt),
    node: n
      ? {
          id: n.id,
          cluster: n.cluster,
          user_agent: [n.userAgentName, n.userAgentVersion].filter((x) => x !== '').join('/'),
          client_features: [...n.clientFeatures],
          locality: { region: n.locality.region, zone: n.locality.zone, sub_zone: n.locality.subZone },
        }
      : null,
    group: s.group ?? null,
    types: [...s.types.values()].sort(byPushOrder).map((t) => toTypeView(t, withResources)),
  };
}

function toTypeView(t: TypeRecord, withResources: boolean): XdsClientTypeView {
  const view: XdsClientTypeView = {
    type_url: t.typeUrl,
    type: isServedTypeUrl(t.typeUrl) ? TYPE_SHORT_NAME[t.typeUrl] : t.typeUrl,
    wildcard: t.wildcard,
    subscribed: [...t.subscribed].sort(),
    sent: t.lastSent ? { ...t.lastSent, at: iso(t.lastSent.at) } : null,
    acked: t.acked ? { ...t.acked, at: iso(t.acked.at) } : null,
    last_nack: t.lastNack
      ? {
          nonce: t.lastNack.nonce,
          version: t.lastNack.version,
          rejected_version: t.lastNack.rejectedVersion,
          error_code: t.lastNack.errorCode,
          error_message: t.lastNack.errorMessage,
          resources: t.lastNack.resources,
          at: iso(t.lastNack.at),
        }
      : null,
    counters: { responses: t.counters.responses, acks: t.counters.acks, nacks: t.counters.nacks, bytes_sent: t.counters.bytesSent },
  };
  if (!withResources) return view;
  const resources = [...t.resources.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((r) => ({ name: r.name, version: r.version, state: r.state, acked_version: r.ackedVersion ?? null }));
  return { ...view, resources };
}

function byPushOrder(a: TypeRecord, b: TypeRecord): number {
  const rank = (t: string): number => {
    const i = (PUSH_ORDER as readonly string[]).indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return rank(a.typeUrl) - rank(b.typeUrl) || (a.typeUrl < b.typeUrl ? -1 : a.typeUrl > b.typeUrl ? 1 : 0);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
