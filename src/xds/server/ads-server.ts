/**
 * AdsServer: the gRPC face of the xDS server. Owns the grpc.Server (keepalive, limits), the set of
 * open streams and their ids; receives calls on ADS and the per-type CDS/EDS/LDS/RDS services
 * (SotW and delta) and hands each request to that stream's SotwStream/DeltaStream. Turns
 * XdsProtocolErrors into gRPC statuses here and nowhere else; one bad stream never affects others.
 */
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../clock';
import { XdsProtocolError } from '../../errors';
import type { Logger } from '../../log';
import type { NodeHash } from '../cache/node-hash';
import type { SnapshotCache } from '../cache/snapshot-cache';
import { DeltaStream } from './delta-stream';
import { answerFetch } from './fetch';
import type { ServerHooks, StreamInfo, XdsProtocol, XdsService } from './hooks';
import { DEFAULT_LIMITS, type DeltaRequest, type SotwRequest, type XdsLimits } from './requests';
import { DISCOVERY_SERVICES, serviceDefinition, type DiscoveryServiceDef } from './service-definitions';
import { SotwStream } from './sotw-stream';
import { GrpcCode, type StreamCore, type StreamDeps, type StreamTransport } from './stream-core';

export interface GrpcServiceRegistration {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

export interface AdsServerOptions {
  readonly cache: SnapshotCache;
  readonly nodeHash: NodeHash;
  readonly hooks: ServerHooks;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Prefix of SotW version_info strings; unique per process (e.g. start time in base 36). */
  readonly epoch: string;
  readonly controlPlaneId?: string;
  readonly extraServices?: readonly GrpcServiceRegistration[];
  readonly limits?: Partial<XdsLimits>;
}

type Duplex<Req> = grpc.ServerDuplexStream<Req, Uint8Array>;

const SERVICE_SHORT: Readonly<Record<string, XdsService>> = {
  'envoy.service.discovery.v3.AggregatedDiscoveryService': 'ads',
  'envoy.service.cluster.v3.ClusterDiscoveryService': 'cds',
  'envoy.service.endpoint.v3.EndpointDiscoveryService': 'eds',
  'envoy.service.listener.v3.ListenerDiscoveryService': 'lds',
  'envoy.service.route.v3.RouteDiscoveryService': 'rds',
};

export class AdsServer {
  private readonly server: grpc.Server;
  private readonly limits: XdsLimits;
  private readonly open = new Map<number, StreamCore>();
  private nextStreamId = 0;
  private stopping = false;

  constructor(private readonly options: AdsServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const channelOptions: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': this.limits.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.limits.keepaliveTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
    };
    if (this.limits.maxConnectionAgeMs > 0) channelOptions['grpc.max_connection_age_ms'] = this.limits.maxConnectionAgeMs;
    this.server = new grpc.Server(channelOptions);
    for (const def of DISCOVERY_SERVICES) this.server.addService(serviceDefinition(def), this.handlers(def));
    for (const extra of options.extraServices ?? []) this.server.addService(extra.definition, extra.implementation);
  }

  /** Binds host:port (0 = any free port) and resolves the bound port. */
  listen(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** Number of open xDS streams. */
  streamCount(): number {
    return this.open.size;
  }

  /** Ends every stream with UNAVAILABLE so clients reconnect elsewhere, then shuts the server down. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    for (const core of [...this.open.values()]) core.close(GrpcCode.UNAVAILABLE, 'server shutting down');
    await new Promise<void>((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        this.options.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  private handlers(def: DiscoveryServiceDef): grpc.UntypedServiceImplementation {
    const service = SERVICE_SHORT[def.service] ?? 'ads';
    const impl: grpc.UntypedServiceImplementation = {
      [def.sotwMethod]: (call: Duplex<SotwRequest>) => this.serve(call, 'sotw', service, (deps) => new SotwStream(deps, def.typeUrl)),
      [def.deltaMethod]: (call: Duplex<DeltaRequest>) => this.serve(call, 'delta', service, (deps) => new DeltaStream(deps, def.typeUrl)),
    };
    if (def.fetchMethod && def.typeUrl) {
      const typeUrl = def.typeUrl;
      impl[def.fetchMethod] = (call: grpc.ServerUnaryCall<SotwRequest, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) => {
        answerFetch(call.request, typeUrl, this.options, this.options.epoch, callback);
      };
    }
    return impl;
  }

  private serve<Req>(
    call: Duplex<Req>,
    protocol: XdsProtocol,
    service: XdsService,
    create: (deps: StreamDeps) => { handleRequest(req: Req): void; dispose(reason: string): void; readonly streamCore: StreamCore },
  ): void {
    if (this.stopping || this.open.size >= this.limits.maxStreams) {
      const details = this.stopping ? 'server shutting down' : `too many xDS streams (limit ${this.limits.maxStreams})`;
      call.emit('error', { code: this.stopping ? GrpcCode.UNAVAILABLE : GrpcCode.RESOURCE_EXHAUSTED, details });
      return;
    }
    const info: StreamInfo = { id: ++this.nextStreamId, protocol, service, peer: call.getPeer(), openedAt: this.options.clock.now() };
    const transport: StreamTransport = {
      write: (bytes) => call.write(bytes),
      close: (code, message) => call.emit('error', { code, details: message }),
    };
    const { cache, nodeHash, hooks, clock, logger, epoch, controlPlaneId } = this.options;
    const stream = create({ info, cache, nodeHash, hooks, clock, logger, limits: this.limits, epoch, controlPlaneId, transport });
    this.open.set(info.id, stream.streamCore);
    hooks.onStreamOpen?.(info);
    const finish = (reason: string): void => {
      if (!this.open.delete(info.id)) return;
      stream.dispose(reason);
    };
    call.on('data', (req: Req) => {
      try {
        stream.handleRequest(req);
      } catch (err) {
        this.reject(stream.streamCore, err);
        finish('rejected request');
      }
    });
    call.on('drain', () => stream.streamCore.drained());
    call.on('end', () => {
      finish('client closed the stream');
      call.end();
    });
    call.on('cancelled', () => finish('cancelled by the client'));
    call.on('error', () => finish('stream error'));
    call.on('close', () => finish('stream closed'));
  }

  private reject(core: StreamCore, err: unknown): void {
    if (err instanceof XdsProtocolError) {
      const code = err.code === 'HP_XDS_RESOURCE_EXHAUSTED' ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.INVALID_ARGUMENT;
      this.options.logger.warn('xDS request rejected', { stream: core.id, node: core.node?.id, code: err.code, error: err.message });
      core.close(code, err.message);
      return;
    }
    this.options.logger.error('xDS stream failed', { stream: core.id, node: core.node?.id, err });
    core.close(GrpcCode.INTERNAL, 'internal error');
  }
}
