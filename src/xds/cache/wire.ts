/**
 * Wire framing for pre-serialised xDS resources: each resource is encoded once (when its snapshot
 * is built) and responses are framed around those bytes, so a change pushed to N clients costs N
 * small headers, not N serialisations. Field numbers are those of envoy.service.discovery.v3.
 * Knows nothing about gRPC; it only produces bytes.
 */
import { Writer } from 'protobufjs';

const LEN = 2; // length-delimited wire type

function tag(field: number): number {
  return (field << 3) | LEN;
}

/** google.protobuf.Any {type_url = 1, value = 2}. */
export function encodeAny(typeUrl: string, value: Uint8Array): Uint8Array {
  return Writer.create().uint32(tag(1)).string(typeUrl).uint32(tag(2)).bytes(value).finish();
}

const VARINT = 0;

/** The type URL of the envoy.service.discovery.v3.Resource wrapper (TTL in SotW). */
export const RESOURCE_WRAPPER_TYPE_URL = 'type.googleapis.com/envoy.service.discovery.v3.Resource';

/**
 * envoy.service.discovery.v3.Resource {version = 1, resource = 2, name = 3, ttl = 6}. Without
 * anyBytes it is a heartbeat: the client refreshes the resource's TTL and changes nothing else.
 */
export function encodeDeltaResource(name: string, version: string, anyBytes: Uint8Array | undefined, ttlMs?: number): Uint8Array {
  const w = Writer.create().uint32(tag(1)).string(version);
  if (anyBytes) w.uint32(tag(2)).bytes(anyBytes);
  w.uint32(tag(3)).string(name);
  if (ttlMs !== undefined) encodeDuration(w.uint32(tag(6)).fork(), ttlMs).ldelim();
  return w.finish();
}

/** google.protobuf.Duration {seconds = 1, nanos = 2} from milliseconds. */
function encodeDuration(w: Writer, ms: number): Writer {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (seconds) w.uint32((1 << 3) | VARINT).int64(seconds);
  if (nanos) w.uint32((2 << 3) | VARINT).int32(nanos);
  return w;
}

export interface SotwResponseFrame {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  /** Encoded google.protobuf.Any values, in order. */
  readonly resources: readonly Uint8Array[];
  readonly controlPlaneId?: string;
}

/** envoy.service.discovery.v3.DiscoveryResponse {version_info 1, resources 2, type_url 4, nonce 5, control_plane 6}. */
export function encodeSotwResponse(frame: SotwResponseFrame): Uint8Array {
  const w = Writer.create();
  if (frame.versionInfo) w.uint32(tag(1)).string(frame.versionInfo);
  for (const any of frame.resources) w.uint32(tag(2)).bytes(any);
  w.uint32(tag(4)).string(frame.typeUrl);
  w.uint32(tag(5)).string(frame.nonce);
  if (frame.controlPlaneId) w.uint32(tag(6)).fork().uint32(tag(1)).string(frame.controlPlaneId).ldelim();
  return w.finish();
}

export interface DeltaResponseFrame {
  readonly systemVersionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  /** Encoded envoy.service.discovery.v3.Resource values, in order. */
  readonly resources: readonly Uint8Array[];
  readonly removed: readonly string[];
  readonly controlPlaneId?: string;
}

/** envoy.service.discovery.v3.DeltaDiscoveryResponse {system_version_info 1, resources 2, type_url 4, nonce 5, removed_resources 6, control_plane 7}. */
export function encodeDeltaResponse(frame: DeltaResponseFrame): Uint8Array {
  const w = Writer.create();
  if (frame.systemVersionInfo) w.uint32(tag(1)).string(frame.systemVersionInfo);
  for (const res of frame.resources) w.uint32(tag(2)).bytes(res);
  w.uint32(tag(4)).string(frame.typeUrl);
  w.uint32(tag(5)).string(frame.nonce);
  for (const name of frame.removed) w.uint32(tag(6)).string(name);
  if (frame.controlPlaneId) w.uint32(tag(7)).fork().uint32(tag(1)).string(frame.controlPlaneId).ldelim();
  return w.finish();
}
