// Raw wire codec for the benchmark's ADS clients: encodes DiscoveryRequest / DeltaDiscoveryRequest
// from pre-encoded pieces and reads only the header fields of responses (version, type_url, nonce)
// plus resource counts, so a process can host thousands of clients cheaply. Field numbers are
// those of envoy.service.discovery.v3; checkCodec() proves them against the project's protos.
import { requireDependency } from '../lib/dist.mjs';

const { Writer, Reader } = requireDependency('protobufjs');

const LEN = 2;
const tag = (field) => (field << 3) | LEN;

// DiscoveryRequest: version_info 1, node 2, resource_names 3, type_url 4, response_nonce 5.
// DeltaDiscoveryRequest: node 1, type_url 2, resource_names_subscribe 3, response_nonce 6.
const SOTW = { version: 1, node: 2, names: 3, typeUrl: 4, nonce: 5 };
const DELTA = { node: 1, typeUrl: 2, subscribe: 3, nonce: 6 };

/** A repeated string field 3 (resource_names / resource_names_subscribe), encoded once and shared. */
export function encodeNames(names) {
  const w = Writer.create();
  for (const n of names) w.uint32(tag(3)).string(n);
  return Buffer.from(w.finish());
}

/** envoy.config.core.v3.Node {id 1, cluster 2, user_agent_name 6, user_agent_version 7}. */
export function encodeNode(node) {
  const w = Writer.create();
  w.uint32(tag(1)).string(node.id).uint32(tag(2)).string(node.cluster);
  w.uint32(tag(6)).string(node.userAgentName).uint32(tag(7)).string(node.userAgentVersion);
  return Buffer.from(w.finish());
}

function field(w, number, bytes) {
  return w.uint32(tag(number)).bytes(bytes);
}

/** DiscoveryRequest; `names` is an encodeNames() blob (or empty), `node` an encodeNode() blob or null. */
export function sotwRequest({ node, versionInfo, names, typeUrl, nonce }) {
  const head = Writer.create();
  if (versionInfo) head.uint32(tag(SOTW.version)).string(versionInfo);
  if (node) field(head, SOTW.node, node);
  const tail = Writer.create().uint32(tag(SOTW.typeUrl)).string(typeUrl);
  if (nonce) tail.uint32(tag(SOTW.nonce)).string(nonce);
  return Buffer.concat([head.finish(), names, tail.finish()]);
}

/** DeltaDiscoveryRequest; `subscribe` is an encodeNames() blob (or empty). */
export function deltaRequest({ node, typeUrl, subscribe, nonce }) {
  const head = Writer.create();
  if (node) field(head, DELTA.node, node);
  head.uint32(tag(DELTA.typeUrl)).string(typeUrl);
  const tail = Writer.create();
  if (nonce) tail.uint32(tag(DELTA.nonce)).string(nonce);
  return Buffer.concat([head.finish(), subscribe, tail.finish()]);
}

/**
 * Header of a DiscoveryResponse (version_info 1, resources 2, type_url 4, nonce 5) or a
 * DeltaDiscoveryResponse (system_version_info 1, resources 2, type_url 4, nonce 5,
 * removed_resources 6): the same field numbers, so one reader serves both.
 */
export function readResponseHeader(buf) {
  const r = Reader.create(buf);
  const out = { version: '', typeUrl: '', nonce: '', resources: 0, removed: 0, bytes: buf.length };
  while (r.pos < r.len) {
    const t = r.uint32();
    const number = t >>> 3;
    if (number === 1) out.version = r.string();
    else if (number === 4) out.typeUrl = r.string();
    else if (number === 5) out.nonce = r.string();
    else {
      if (number === 2) out.resources++;
      else if (number === 6) out.removed++;
      r.skipType(t & 7);
    }
  }
  return out;
}

/**
 * Proves the codec against the project's own protos and wire framing (dist modules passed in):
 * throws on any disagreement. Cheap; run once per benchmark.
 */
export function checkCodec({ proto, wire }) {
  const node = { id: 'n1', cluster: 'c1', userAgentName: 'envoy', userAgentVersion: '1.30.0' };
  const typeUrl = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
  const sotw = proto.decodeMessage('envoy.service.discovery.v3.DiscoveryRequest',
    sotwRequest({ node: encodeNode(node), versionInfo: 'v1', names: encodeNames(['a', 'b']), typeUrl, nonce: '7' }));
  expectEqual('sotw request', [sotw.version_info, sotw.node?.id, sotw.node?.cluster, sotw.node?.user_agent_name, sotw.node?.user_agent_version, sotw.resource_names.join(','), sotw.type_url, sotw.response_nonce],
    ['v1', 'n1', 'c1', 'envoy', '1.30.0', 'a,b', typeUrl, '7']);
  const delta = proto.decodeMessage('envoy.service.discovery.v3.DeltaDiscoveryRequest',
    deltaRequest({ node: encodeNode(node), typeUrl, subscribe: encodeNames(['x']), nonce: '9' }));
  expectEqual('delta request', [delta.node?.id, delta.type_url, delta.resource_names_subscribe.join(','), delta.response_nonce], ['n1', typeUrl, 'x', '9']);
  const any = wire.encodeAny(typeUrl, new Uint8Array([8, 1]));
  const sotwResp = readResponseHeader(Buffer.from(wire.encodeSotwResponse({ versionInfo: 'v2', typeUrl, nonce: '3', resources: [any, any], controlPlaneId: 'cp' })));
  expectEqual('sotw response', [sotwResp.version, sotwResp.typeUrl, sotwResp.nonce, sotwResp.resources], ['v2', typeUrl, '3', 2]);
  const res = wire.encodeDeltaResource('x', 'h1', any);
  const deltaResp = readResponseHeader(Buffer.from(wire.encodeDeltaResponse({ systemVersionInfo: 's', typeUrl, nonce: '4', resources: [res], removed: ['y', 'z'] })));
  expectEqual('delta response', [deltaResp.version, deltaResp.typeUrl, deltaResp.nonce, deltaResp.resources, deltaResp.removed], ['s', typeUrl, '4', 1, 2]);
}

function expectEqual(what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`ads-codec self-check failed for ${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}
