// The xds-fanout client process: hosts N raw ADS streams (SotW or delta), each on its own gRPC
// channel and TCP connection like N separate Envoys. Each subscribes like Envoy (wildcard CDS, then
// EDS for every cluster) and ACKs every response at once. Receives its settings as JSON in argv[2]
// and commands over IPC ('stats', 'stop'); emits 'opened', 'stats' and 'error' messages. Never
// decodes resources: only response headers and counts (ads-codec.mjs).
import { requireDependency } from '../lib/dist.mjs';
import { startRssSampler } from '../lib/stats.mjs';
import { deltaRequest, encodeNames, encodeNode, readResponseHeader, sotwRequest } from './ads-codec.mjs';
import { clusterNames } from './resources.mjs';

const grpc = requireDependency('@grpc/grpc-js');

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const METHOD = { sotw: `${ADS}/StreamAggregatedResources`, delta: `${ADS}/DeltaAggregatedResources` };
const EMPTY = Buffer.alloc(0);
const identity = (b) => b;
const MAX_REPORTED_ERRORS = 20;

const settings = JSON.parse(process.argv[2]);
const rss = startRssSampler(50);
const edsNames = encodeNames(clusterNames(settings.clusters));
const totals = { opened: 0, responses: 0, bytes: 0, maxResponseBytes: 0, acks: 0, errors: 0, converged: 0 };
const clients = [];
let stopping = false;

class AdsClient {
  constructor(index) {
    this.index = index;
    this.node = encodeNode({ id: `bench-${settings.mode}-${index}`, cluster: 'bench', userAgentName: 'envoy', userAgentVersion: '1.30.0' });
    this.cdsResources = 0;
    this.edsResources = 0;
    this.subscribedEds = false;
    this.converged = false;
  }

  start() {
    const options = { 'grpc.use_local_subchannel_pool': 1 };
    if (settings.maxReceiveBytes > 0) options['grpc.max_receive_message_length'] = settings.maxReceiveBytes;
    this.channel = new grpc.Client(`127.0.0.1:${settings.port}`, grpc.credentials.createInsecure(), options);
    this.call = this.channel.makeBidiStreamRequest(METHOD[settings.mode], identity, identity);
    this.call.on('data', (buf) => this.onResponse(buf));
    this.call.on('error', (err) => onStreamError(this, err));
    this.call.on('status', () => undefined);
    this.send(CDS, '', '', this.node);
  }

  /** First request of a type, or the ACK of (version, nonce). */
  send(typeUrl, version, nonce, node = null) {
    const edsSubscribe = typeUrl === EDS && (settings.mode === 'sotw' || nonce === '');
    const names = edsSubscribe ? edsNames : EMPTY;
    const bytes = settings.mode === 'sotw'
      ? sotwRequest({ node, versionInfo: version, names, typeUrl, nonce })
      : deltaRequest({ node, typeUrl, subscribe: names, nonce });
    this.call.write(bytes);
  }

  onResponse(buf) {
    const h = readResponseHeader(buf);
    totals.responses++;
    totals.bytes += h.bytes;
    if (h.bytes > totals.maxResponseBytes) totals.maxResponseBytes = h.bytes;
    if (h.typeUrl === CDS) this.cdsResources = Math.max(this.cdsResources, h.resources);
    if (h.typeUrl === EDS) this.edsResources += h.resources;
    this.send(h.typeUrl, h.version, h.nonce);
    totals.acks++;
    if (h.typeUrl === CDS && !this.subscribedEds) {
      this.subscribedEds = true; // as Envoy: the clusters' EDS subscriptions follow the CDS ACK
      this.send(EDS, '', '');
    }
    if (!this.converged && this.cdsResources >= settings.clusters && this.edsResources >= settings.clusters) {
      this.converged = true;
      totals.converged++;
    }
  }

  close() {
    this.call?.cancel();
    this.channel?.close();
  }
}

function onStreamError(client, err) {
  if (stopping) return;
  totals.errors++;
  if (totals.errors <= MAX_REPORTED_ERRORS) {
    process.send({ type: 'error', index: client.index, code: err.code, details: String(err.details ?? err.message) });
  }
}

function stats() {
  return { type: 'stats', ...totals, rss: rss.now(), peakRss: rss.peak() };
}

/** Opens the streams in small batches so the event loop keeps turning while connections start. */
function openAll() {
  let next = 0;
  const batch = () => {
    const end = Math.min(settings.clients, next + settings.connectBatch);
    for (; next < end; next++) {
      const c = new AdsClient(next);
      clients.push(c);
      c.start();
      totals.opened++;
    }
    if (next < settings.clients) setTimeout(batch, settings.connectIntervalMs);
    else process.send({ type: 'opened', count: totals.opened });
  };
  batch();
}

process.on('message', (msg) => {
  if (msg.cmd === 'stats') process.send(stats());
  if (msg.cmd === 'stop') {
    stopping = true;
    const final = stats();
    for (const c of clients) c.close();
    process.send(final, () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0)); // the orchestrator went away: never linger
openAll();
