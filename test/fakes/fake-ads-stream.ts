/**
 * FakeAdsStream: drives a SotwStream or DeltaStream without gRPC. Records every response (decoded
 * with our protos, resource names unpacked), every hook call, and a close status; the transport
 * can be made to report back-pressure.
 */
import { silentLogger } from '../../src/log';
import { byCluster } from '../../src/xds/cache/node-hash';
import { SnapshotCache } from '../../src/xds/cache/snapshot-cache';
import { DeltaStream } from '../../src/xds/server/delta-stream';
import type { AckEvent, NackEvent, ResponseEvent, ServerHooks, StreamInfo } from '../../src/xds/server/hooks';
import { DEFAULT_LIMITS, type DeltaRequest, type SotwRequest, type XdsLimits } from '../../src/xds/server/requests';
import { SotwStream } from '../../src/xds/server/sotw-stream';
import type { StreamDeps, StreamTransport } from '../../src/xds/server/stream-core';
import { decodeMessage, typeNameOfUrl } from '../../src/xds/proto';
import type { Resource__Output } from '../../src/xds/generated/envoy/service/discovery/v3/Resource';
import type { Any__Output } from '../../src/xds/generated/google/protobuf/Any';
import { buildSnapshot, type BuildOptions, type XdsResources } from '../../src/xds/snapshot-builder';
import type { TypeUrl } from '../../src/xds/type-urls';
import { FakeClock } from './fake-clock';

export interface SotwReply {
  readonly version: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly names: string[];
  /** The resources as sent (Any). */
  readonly anys: Any__Output[];
}

export interface DeltaReply {
  readonly typeUrl: string;
  readonly nonce: string;
  readonly names: string[];
  readonly versions: Record<string, string>;
  readonly removed: string[];
  readonly resources: Resource__Output[];
}

class RecordingTransport implements StreamTransport {
  readonly frames: Uint8Array[] = [];
  closed: { code: number; message: string } | undefined;
  accepting = true;
  write(bytes: Uint8Array): boolean {
    this.frames.push(bytes);
    return this.accepting;
  }
  close(code: number, message: string): void {
    this.closed = { code, message };
  }
}

class RecordingHooks implements ServerHooks {
  readonly acks: AckEvent[] = [];
  readonly nacks: NackEvent[] = [];
  readonly responses: ResponseEvent[] = [];
  closedReason: string | undefined;
  onAck(_id: number, e: AckEvent): void {
    this.acks.push(e);
  }
  onNack(_id: number, e: NackEvent): void {
    this.nacks.push(e);
  }
  onResponse(_id: number, e: ResponseEvent): void {
    this.responses.push(e);
  }
  onStreamClosed(_id: number, reason: string): void {
    this.closedReason = reason;
  }
}

function nameOf(typeUrl: string, value: Uint8Array): string {
  const msg = decodeMessage<{ name?: string; cluster_name?: string }>(typeNameOfUrl(typeUrl), value);
  return msg.cluster_name ?? msg.name ?? '';
}

abstract class Harness {
  readonly clock = new FakeClock();
  readonly cache = new SnapshotCache({ clock: this.clock, logger: silentLogger });
  readonly transport = new RecordingTransport();
  readonly hooks = new RecordingHooks();
  private read = 0;

  protected deps(limits: Partial<XdsLimits>): StreamDeps {
    const info: StreamInfo = { id: 1, protocol: 'sotw', service: 'ads', peer: 'test', openedAt: 0 };
    return {
      info,
      cache: this.cache,
      nodeHash: byCluster,
      hooks: this.hooks,
      clock: this.clock,
      logger: silentLogger,
      limits: { ...DEFAULT_LIMITS, ...limits },
      epoch: 'e1',
      transport: this.transport,
    };
  }

  /** Publishes resources for every node (the default group). */
  publish(resources: XdsResources, group = '*', options: BuildOptions = {}): void {
    this.cache.setSnapshot(group, buildSnapshot(resources, options));
  }

  protected takeFrames(): Uint8Array[] {
    const out = this.transport.frames.slice(this.read);
    this.read = this.transport.frames.length;
    return out;
  }
}

export class SotwHarness extends Harness {
  readonly stream: SotwStream;
  constructor(options: { fixedTypeUrl?: TypeUrl; limits?: Partial<XdsLimits> } = {}) {
    super();
    this.stream = new SotwStream(this.deps(options.limits ?? {}), options.fixedTypeUrl);
  }

  request(req: SotwRequest): void {
    this.stream.handleRequest(req);
  }

  /** Responses sent since the last call. */
  replies(): SotwReply[] {
    return this.takeFrames().map((bytes) => {
      const r = decodeMessage('envoy.service.discovery.v3.DiscoveryResponse', bytes);
      return { version: r.version_info, typeUrl: r.type_url, nonce: r.nonce, names: r.resources.map((a) => nameOf(a.type_url, a.value)), anys: r.resources };
    });
  }

  /** ACKs a reply (version and nonce echoed, names as given). */
  ack(reply: SotwReply, names: readonly string[]): void {
    this.request({ type_url: reply.typeUrl, version_info: reply.version, response_nonce: reply.nonce, resource_names: [...names] });
  }
}

export class DeltaHarness extends Harness {
  readonly stream: DeltaStream;
  constructor(options: { fixedTypeUrl?: TypeUrl; limits?: Partial<XdsLimits> } = {}) {
    super();
    this.stream = new DeltaStream(this.deps(options.limits ?? {}), options.fixedTypeUrl);
  }

  request(req: DeltaRequest): void {
    this.stream.handleRequest(req);
  }

  replies(): DeltaReply[] {
    return this.takeFrames().map((bytes) => {
      const r = decodeMessage('envoy.service.discovery.v3.DeltaDiscoveryResponse', bytes);
      const versions: Record<string, string> = {};
      for (const res of r.resources) versions[res.name] = res.version;
      for (const res of r.resources) {
        if (res.resource && nameOf(res.resource.type_url, res.resource.value) !== res.name) throw new Error(`Resource.name ${res.name} does not match its content`);
      }
      return { typeUrl: r.type_url, nonce: r.nonce, names: r.resources.map((res) => res.name), versions, removed: r.removed_resources, resources: r.resources };
    });
  }
}
