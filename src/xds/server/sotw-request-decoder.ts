/**
 * decodeSotwRequest: a DiscoveryRequest decoder for the hot path. Envoy and gRPC repeat their whole
 * name list in every ACK; with N clients x M names that is N x M strings per push if decoded
 * naively. This decoder keeps the names as one raw byte region and decodes them only when asked
 * (`resource_names` is lazy), so a stream can compare the region with the previous request's and
 * skip the work when nothing changed. Other fields decode as proto-loader's `__Output` would.
 */
import { Reader } from 'protobufjs';
import { messageType } from '../proto';
import type { NodeMessage, SotwRequest, StatusMessage } from './requests';

const TO_OBJECT = { longs: String, enums: String, defaults: true, oneofs: true } as const;
const LEN = 2;

class DecodedSotwRequest implements SotwRequest {
  private names: string[] | undefined;

  constructor(
    readonly version_info: string,
    readonly node: NodeMessage | null,
    readonly type_url: string,
    readonly response_nonce: string,
    readonly error_detail: StatusMessage | null,
    /** All resource_names entries (tags included) when they are contiguous in the message. */
    readonly resource_names_region: Uint8Array | undefined,
    eagerNames: string[] | undefined,
  ) {
    this.names = eagerNames;
  }

  get resource_names(): string[] {
    if (!this.names) this.names = namesIn(this.resource_names_region);
    return this.names;
  }
}

function namesIn(region: Uint8Array | undefined): string[] {
  const out: string[] = [];
  if (!region) return out;
  const r = Reader.create(region);
  while (r.pos < r.len) {
    r.uint32(); // tag of field 3
    out.push(r.string());
  }
  return out;
}

function decodeSubmessage<T>(fullName: string, bytes: Uint8Array): T {
  const type = messageType(fullName);
  return type.toObject(type.decode(bytes), TO_OBJECT) as T;
}

/** Decodes a DiscoveryRequest; throws (like protobufjs) on malformed bytes. */
export function decodeSotwRequest(buf: Uint8Array): SotwRequest {
  const r = Reader.create(buf);
  let versionInfo = '';
  let typeUrl = '';
  let nonce = '';
  let node: NodeMessage | null = null;
  let errorDetail: StatusMessage | null = null;
  let start = -1;
  let end = -1;
  let scattered: string[] | undefined;
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field >= 1 && field <= 6 && wire !== LEN) throw new Error(`DiscoveryRequest field ${field}: wire type ${wire}, expected ${LEN}`);
    if (field === 1) versionInfo = r.string();
    else if (field === 2) node = decodeSubmessage<NodeMessage>('envoy.config.core.v3.Node', r.bytes());
    else if (field === 3) {
      if (start === -1) start = at;
      else if (end !== at && !scattered) scattered = namesIn(buf.subarray(start, end));
      const name = r.string();
      if (scattered) scattered.push(name);
      end = r.pos;
    } else if (field === 4) typeUrl = r.string();
    else if (field === 5) nonce = r.string();
    else if (field === 6) errorDetail = decodeSubmessage<StatusMessage>('google.rpc.Status', r.bytes());
    else r.skipType(wire);
  }
  const region = start === -1 || scattered ? undefined : buf.subarray(start, end);
  return new DecodedSotwRequest(versionInfo, node, typeUrl, nonce, errorDetail, region, scattered ?? (start === -1 ? [] : undefined));
}
