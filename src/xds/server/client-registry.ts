/**
 * ClientRegistry: a read-only record of every open xDS stream, fed by the server's hooks (node,
 * group, protocol, per type: subscription, responses, ACKs and NACKs, counters). Emits the JSON of
 * GET /xds/clients (clients()) and the per-resource view CSDS needs (streamRecords()), computed
 * when read. Hooks cost O(1) amortised and keep the events' arrays by reference, never a copy per
 * resource; a stream is forgotten when it closes. Never calls back into a stream or throws.
 */
import type { Clock } from '../../clock';
import { FULL_STATE_TYPES, PUSH_ORDER, TYPE_SHORT_NAME, isServedTypeUrl } from '../type-urls';
import type { AckEvent, NackEvent, NodeInfo, ResponseEvent, ServerHooks, StreamInfo, XdsProtocol } from './hooks';
import { ResponseHistory, type NackRecord, type ResourceRecord, type ResourceState, type SentSummary } from './response-history';

export type { NackRecord, ResourceRecord, ResourceState };

/** A read-time view of one type on one stream. */
export interface TypeRecord {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly subscribed: readonly string[];
  readonly lastSent: SentSummary | undefined;
  readonly acked: { readonly version: string; readonly nonce: string; readonly at: number } | undefined;
  readonly lastNack: NackRecord | undefined;
  readonly counters: { readonly responses: number; readonly acks: number; readonly nacks: number; readonly bytesSent: number };
  /** Computed on first access (names the client unsubscribed from are left out). */
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

/** What the registry holds, for tests and memory diagnostics. */
export interface RegistryRetained {
  readonly streams: number;
  readonly types: number;
  /** Responses kept in the per-type histories. */
  readonly responses: number;
  /** Per-name records of responses folded out of the histories. */
  readonly foldedNames: number;
}

interface TypeTrack {
  readonly typeUrl: string;
  wildcard: boolean;
  /** The hook's array, by reference; undefined until the first subscription of the type. */
  subscribed: readonly string[] | undefined;
  readonly history: ResponseHistory;
  lastAck: AckEvent | undefined;
  lastNack: NackRecord | undefined;
  readonly counters: { responses: number; acks: number; nacks: number; bytesSent: number };
}

interface MutableStream {
  readonly info: StreamInfo;
  node: NodeInfo | undefined;
  group: string | undefined;
  readonly types: Map<string, TypeTrack>;
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

  /** Keeps `names` by reference: callers must not mutate it afterwards. */
  onSubscription(streamId: number, typeUrl: string, names: readonly string[], wildcard: boolean): void {
    const t = this.typeOf(streamId, typeUrl);
    if (!t) return;
    t.subscribed = names;
    t.wildcard = wildcard;
  }

  onResponse(streamId: number, e: ResponseEvent): void {
    const t = this.typeOf(streamId, e.typeUrl);
    if (!t) return;
    t.counters.responses++;
    t.counters.bytesSent += e.bytes;
    const folded = t.history.sent(e);
    // Folding happens once per many responses: drop what the client no longer subscribes to.
    const keep = folded ? subscriptionFilter(t) : undefined;
    if (keep) t.history.prune(keep);
  }

  onAck(streamId: number, e: AckEvent): void {
    const t = this.typeOf(streamId, e.typeUrl);
    if (!t) return;
    t.counters.acks++;
    t.lastAck = e;
    t.history.acked(e.nonce, e.at);
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
    t.history.nacked(e.nonce, nack);
  }

  onStreamClosed(streamId: number): void {
    this.streams.delete(streamId);
  }

  /** Number of open streams known. */
  get size(): number {
    return this.streams.size;
  }

  /** What the registry holds (bounded per stream and type; see ResponseHistory). */
  retained(): RegistryRetained {
    let types = 0;
    let responses = 0;
    let foldedNames = 0;
    for (const s of this.streams.values()) {
      for (const t of s.types.values()) {
        const r = t.history.retained();
        types++;
        responses += r.responses;
        foldedNames += r.foldedNames;
      }
    }
    return { streams: this.streams.size, types, responses, foldedNames };
  }

  /** The open streams, by id: read-time views, to be used before the next hook event (for CSDS). */
  streamRecords(): readonly StreamRecord[] {
    return [...this.streams.values()]
      .sort((a, b) => a.info.id - b.info.id)
      .map((s) => ({ info: s.info, node: s.node, group: s.group, types: new Map([...s.types].map(([url, t]) => [url, typeRecord(t)])) }));
  }

  /** The JSON of GET /xds/clients (see XdsClientsView). */
  clients(options: ClientsViewOptions = {}): XdsClientsView {
    const records = this.streamRecords().filter((s) => options.nodeId === undefined || s.node?.id === options.nodeId);
    return {
      generated_at: iso(this.options.clock.now()),
      clients: records.map((s) => toClientView(s, options.resources ?? true)),
    };
  }

  private typeOf(streamId: number, typeUrl: string): TypeTrack | undefined {
    const s = this.streams.get(streamId);
    if (!s) return undefined;
    let t = s.types.get(typeUrl);
    if (!t) {
      if (s.types.size >= this.maxTypes) return undefined;
      t = {
        typeUrl,
        wildcard: false,
        subscribed: undefined,
        history: new ResponseHistory(historyOptions(s.info.protocol, typeUrl)),
        lastAck: undefined,
        lastNack: undefined,
        counters: { responses: 0, acks: 0, nacks: 0, bytesSent: 0 },
      };
      s.types.set(typeUrl, t);
    }
    return t;
  }
}

/** SotW: LDS/CDS responses carry the full state and an ACK accepts every earlier response. */
function historyOptions(protocol: XdsProtocol, typeUrl: string): { replaces: boolean; cumulativeAcks: boolean } {
  const sotw = protocol === 'sotw';
  return { replaces: sotw && isFullState(typeUrl), cumulativeAcks: sotw };
}

/** Names a type's resources are limited to: undefined for wildcard or before any subscription. */
function subscriptionFilter(t: TypeTrack): ((name: string) => boolean) | undefined {
  if (t.wildcard || t.subscribed === undefined) return undefined;
  const names = new Set(t.subscribed);
  return (name) => names.has(name);
}

function typeRecord(t: TypeTrack): TypeRecord {
  let resources: ReadonlyMap<string, ResourceRecord> | undefined;
  const ack = t.lastAck;
  return {
    typeUrl: t.typeUrl,
    wildcard: t.wildcard,
    subscribed: t.subscribed ?? [],
    lastSent: t.history.lastSent(),
    acked: ack && { version: ack.version, nonce: ack.nonce, at: ack.at },
    lastNack: t.lastNack,
    counters: { ...t.counters },
    get resources(): ReadonlyMap<string, ResourceRecord> {
      return (resources ??= t.history.resources(subscriptionFilter(t)));
    },
  };
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
