// FanoutTracker: the benchmark's ServerHooks. Watches every stream's responses and ACKs in the
// server process to tell when all clients have converged and, for one endpoint change at a time,
// when each client ACKed the response that carried it (matched by stream id and nonce). Keeps
// O(streams) state, never per-resource state, so it does not inflate the RSS it helps measure.
import { performance } from 'node:perf_hooks';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

export class FanoutTracker {
  constructor(clusters) {
    this.clusters = clusters;
    this.streams = new Map();
    this.closed = [];
    this.nacks = 0;
    this.change = null;
    this.hooks = {
      onStreamOpen: (info) => this.streams.set(info.id, newStream()),
      onStreamClosed: (id, reason) => this.onClosed(id, reason),
      onResponse: (id, e) => this.onResponse(id, e),
      onAck: (id, e) => this.onAck(id, e),
      onNack: () => {
        this.nacks++;
      },
    };
  }

  /** Number of open streams that hold every cluster and endpoint and ACKed their last responses. */
  convergedCount() {
    let n = 0;
    for (const s of this.streams.values()) {
      if (s.cds.resources >= this.clusters && s.eds.resources >= this.clusters && s.cds.acked && s.eds.acked) n++;
    }
    return n;
  }

  /** Starts measuring one change of `name`; call right before cache.setSnapshot(). */
  beginChange(name) {
    this.change = {
      name,
      t0: performance.now(),
      expected: this.streams.size,
      carrying: new Map(), // stream id -> nonce of its latest response carrying the change
      sentAt: [], // ms after t0 at which each carrying response was handed to the transport
      latency: new Map(), // stream id -> ms from t0 to the ACK of the carrying response
      responses: 0,
      bytes: 0,
      edsResponses: 0,
      otherResponses: 0,
    };
    return this.change;
  }

  /** Whether every stream open at beginChange() has ACKed the change. */
  changeComplete() {
    return this.change !== null && this.change.latency.size >= this.change.expected;
  }

  endChange() {
    const c = this.change;
    this.change = null;
    return c;
  }

  onClosed(id, reason) {
    this.streams.delete(id);
    this.closed.push(reason);
  }

  onResponse(id, e) {
    const s = this.streams.get(id);
    if (!s) return;
    const t = e.typeUrl === CDS ? s.cds : e.typeUrl === EDS ? s.eds : null;
    if (t) {
      t.nonce = e.nonce;
      t.acked = false;
      t.resources = e.typeUrl === CDS ? e.resources.length : t.resources + e.resources.length;
    }
    const c = this.change;
    if (!c) return;
    c.responses++;
    c.bytes += e.bytes;
    if (e.typeUrl !== EDS) {
      c.otherResponses++;
      return;
    }
    c.edsResponses++;
    // A later EDS response supersedes the earlier one: only the latest nonce is ACKed (SotW and delta).
    if (c.carrying.has(id) || e.resources.some((r) => r.name === c.name)) {
      if (!c.carrying.has(id)) c.sentAt.push(performance.now() - c.t0);
      c.carrying.set(id, e.nonce);
    }
  }

  onAck(id, e) {
    const s = this.streams.get(id);
    if (!s) return;
    const t = e.typeUrl === CDS ? s.cds : e.typeUrl === EDS ? s.eds : null;
    if (t && t.nonce === e.nonce) t.acked = true;
    const c = this.change;
    if (c && !c.latency.has(id) && c.carrying.get(id) === e.nonce) c.latency.set(id, performance.now() - c.t0);
  }
}

function newStream() {
  return {
    cds: { nonce: '', acked: false, resources: 0 },
    eds: { nonce: '', acked: false, resources: 0 },
  };
}
