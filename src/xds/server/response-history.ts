/**
 * ResponseHistory: what one stream sent of one type and how the client answered, for the
 * ClientRegistry. Receives the server's responses, ACKs and NACKs of that type and keeps the
 * response's own arrays by reference (never a copy per resource); emits per-resource states (sent,
 * ACKed, NACKed, versions, times) computed only when asked. Every event costs O(1) amortised: an
 * ACK or NACK must never walk the resources of a response.
 */
import type { ResponseEvent } from './hooks';

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
  /** Set when state is 'nacked': the NACK of the response that last carried the resource. */
  readonly nack: NackRecord | undefined;
}

export interface SentSummary {
  readonly version: string;
  readonly nonce: string;
  readonly at: number;
  readonly resources: number;
  readonly removed: number;
  readonly bytes: number;
}

export interface ResponseHistoryOptions {
  /** Each response carries everything the client should hold (SotW LDS/CDS). */
  readonly replaces: boolean;
  /** An ACK also accepts every earlier response (SotW); delta ACKs one response each. */
  readonly cumulativeAcks: boolean;
}

/** Responses kept before the oldest are folded away; folding keeps the newest HISTORY_KEEP. */
export const HISTORY_MAX = 64;
const HISTORY_KEEP = 32;

type Named = ResponseEvent['resources'][number];

/** One response: the event's fields and array references, and how the client answered it. */
interface Sent {
  readonly seq: number;
  readonly nonce: string;
  readonly version: string;
  readonly at: number;
  readonly bytes: number;
  readonly resourceCount: number;
  readonly removedCount: number;
  /** Released (emptied) once the response is folded into the per-name map. */
  resources: readonly Named[];
  removed: readonly string[];
  /** Time of the first ACK that accepted this response. */
  ackAt: number | undefined;
  nack: NackRecord | undefined;
}

/** The latest response carrying one name, and the latest accepted one before it. */
interface NameState {
  entry: Named;
  sent: Sent;
  acked: Named | undefined;
  ackedBy: Sent | undefined;
}

const NONE: readonly never[] = [];

export class ResponseHistory {
  private history: Sent[] = [];
  /** Merge types only: per name, what the responses folded out of `history` said. */
  private folded: Map<string, NameState> | undefined;
  private seq = 0;
  /** Cumulative ACKs: the highest sequence number an ACK named. */
  private ackedSeq = 0;
  private lastAckAt: number | undefined;

  constructor(private readonly options: ResponseHistoryOptions) {}

  /** Records a response. Returns true when older responses were folded into the per-name map. */
  sent(e: ResponseEvent): boolean {
    this.history.push({
      seq: ++this.seq,
      nonce: e.nonce,
      version: e.version,
      at: e.at,
      bytes: e.bytes,
      resourceCount: e.resources.length,
      removedCount: e.removed.length,
      resources: e.resources,
      removed: e.removed,
      ackAt: undefined,
      nack: undefined,
    });
    if (this.history.length <= HISTORY_MAX) return false;
    if (this.options.replaces) this.dropSuperseded();
    else this.fold();
    return !this.options.replaces;
  }

  /** The client ACKed the response with this nonce (unknown nonces are ignored). */
  acked(nonce: string, at: number): void {
    this.lastAckAt = at;
    const i = this.indexOf(nonce);
    if (i < 0) return;
    const s = this.history[i] as Sent;
    if (!this.options.cumulativeAcks) {
      if (this.outcome(s) === 'sent') s.ackAt = at;
      return;
    }
    this.ackedSeq = Math.max(this.ackedSeq, s.seq);
    // Walk back to the previous ACKed response: each response is marked once (amortised O(1)).
    for (let j = i; j >= 0; j--) {
      const h = this.history[j] as Sent;
      if (h.ackAt !== undefined) break;
      if (!h.nack) h.ackAt = at;
    }
  }

  /** The client NACKed the response with this nonce. */
  nacked(nonce: string, nack: NackRecord): void {
    const i = this.indexOf(nonce);
    const s = i < 0 ? undefined : this.history[i];
    if (s && this.outcome(s) === 'sent') s.nack = nack;
  }

  /** The last response sent, if any. */
  lastSent(): SentSummary | undefined {
    const s = this.history[this.history.length - 1];
    return s && { version: s.version, nonce: s.nonce, at: s.at, resources: s.resourceCount, removed: s.removedCount, bytes: s.bytes };
  }

  /** Forgets folded names `keep` rejects (names the client unsubscribed from). */
  prune(keep: (name: string) => boolean): void {
    if (!this.folded) return;
    for (const name of this.folded.keys()) if (!keep(name)) this.folded.delete(name);
  }

  /** Per resource the client should hold, what it was sent and how it answered; `keep` filters names. */
  resources(keep?: (name: string) => boolean): Map<string, ResourceRecord> {
    const states = new Map<string, NameState>();
    if (this.folded) for (const [name, st] of this.folded) states.set(name, { ...st });
    for (const s of this.history) this.apply(states, s);
    const out = new Map<string, ResourceRecord>();
    for (const [name, st] of states) if (!keep || keep(name)) out.set(name, this.record(st));
    return out;
  }

  /** What is held: responses in the history and names in the folded map. */
  retained(): { readonly responses: number; readonly foldedNames: number } {
    return { responses: this.history.length, foldedNames: this.folded?.size ?? 0 };
  }

  private outcome(s: Sent): ResourceState {
    if (s.ackAt !== undefined) return 'acked';
    if (s.nack) return 'nacked';
    // A response folded away before the ACK that covered it arrived.
    return this.options.cumulativeAcks && s.seq <= this.ackedSeq ? 'acked' : 'sent';
  }

  private indexOf(nonce: string): number {
    for (let j = this.history.length - 1; j >= 0; j--) if ((this.history[j] as Sent).nonce === nonce) return j;
    return -1;
  }

  /** Applies one response to per-name states (mutating them). */
  private apply(states: Map<string, NameState>, s: Sent): void {
    for (const name of s.removed) states.delete(name);
    for (const e of s.resources) {
      const st = states.get(e.name);
      if (!st) {
        states.set(e.name, { entry: e, sent: s, acked: undefined, ackedBy: undefined });
        continue;
      }
      if (this.outcome(st.sent) === 'acked') {
        st.acked = st.entry;
        st.ackedBy = st.sent;
      }
      st.entry = e;
      st.sent = s;
    }
    // A full-state response replaces what the client holds: names it leaves out are gone.
    if (this.options.replaces) for (const [name, st] of states) if (st.sent !== s) states.delete(name);
  }

  private record(st: NameState): ResourceRecord {
    const state = this.outcome(st.sent);
    const ackedEntry = state === 'acked' ? st.entry : st.acked;
    const ackedBy = state === 'acked' ? st.sent : st.ackedBy;
    return {
      name: st.entry.name,
      version: st.entry.version,
      responseVersion: st.sent.version,
      nonce: st.sent.nonce,
      sentAt: st.sent.at,
      state,
      ackedVersion: ackedEntry?.version,
      ackedResponseVersion: ackedBy?.version,
      ackedAt: ackedBy && (ackedBy.ackAt ?? this.lastAckAt ?? ackedBy.at),
      nack: state === 'nacked' ? st.sent.nack : undefined,
    };
  }

  /** Merge types: folds the oldest responses into the per-name map and releases their arrays. */
  private fold(): void {
    const n = this.history.length - HISTORY_KEEP;
    const folded = (this.folded ??= new Map());
    for (let i = 0; i < n; i++) {
      const s = this.history[i] as Sent;
      this.apply(folded, s);
      s.resources = NONE;
      s.removed = NONE;
    }
    this.history.splice(0, n);
  }

  /**
   * Full-state types: only the newest ACKed response (where ACKed versions come from) and the
   * newest responses matter; the rest is dropped.
   */
  private dropSuperseded(): void {
    const h = this.history;
    let acked = -1;
    for (let j = h.length - 1; j >= 0 && acked < 0; j--) if (this.outcome(h[j] as Sent) === 'acked') acked = j;
    const tailFrom = h.length - HISTORY_KEEP + 1;
    this.history = acked >= 0 && acked < tailFrom ? [h[acked] as Sent, ...h.slice(tailFrom)] : h.slice(tailFrom - 1);
  }
}
