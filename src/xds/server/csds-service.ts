/**
 * CSDS: envoy.service.status.v3.ClientStatusDiscoveryService (FetchClientStatus, StreamClientStatus)
 * answered from the ClientRegistry (what each connected node was sent, ACKed, NACKed) and the
 * SnapshotCache (the resources we hold). Emits one ClientConfig per connected node with a
 * GenericXdsConfig per resource. Read-only: never touches streams or the cache's state.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log';
import type { SnapshotCache } from '../cache/snapshot-cache';
import type { ClientResourceStatus } from '../generated/envoy/admin/v3/ClientResourceStatus';
import type { UpdateFailureState } from '../generated/envoy/admin/v3/UpdateFailureState';
import type { StringMatcher__Output } from '../generated/envoy/type/matcher/v3/StringMatcher';
import type { _envoy_service_status_v3_ClientConfig_GenericXdsConfig as GenericXdsConfig, ClientConfig } from '../generated/envoy/service/status/v3/ClientConfig';
import type { ClientStatusRequest__Output } from '../generated/envoy/service/status/v3/ClientStatusRequest';
import type { ClientStatusResponse } from '../generated/envoy/service/status/v3/ClientStatusResponse';
import type { ConfigStatus } from '../generated/envoy/service/status/v3/ConfigStatus';
import type { Timestamp } from '../generated/google/protobuf/Timestamp';
import { xdsService } from '../proto';
import { PUSH_ORDER, isServedTypeUrl } from '../type-urls';
import type { GrpcServiceRegistration } from './ads-server';
import type { ClientRegistry, ResourceRecord, StreamRecord, TypeRecord } from './client-registry';
import type { NodeInfo } from './hooks';

export interface CsdsServiceOptions {
  readonly registry: ClientRegistry;
  readonly cache: SnapshotCache;
  readonly logger: Logger;
}

/** A request CSDS cannot answer (bad matcher); carries the gRPC status code. */
export class CsdsRequestError extends Error {
  constructor(
    readonly grpcCode: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'CsdsRequestError';
  }
}

/** The CSDS service, ready for AdsServerOptions.extraServices. */
export function csdsService(options: CsdsServiceOptions): GrpcServiceRegistration {
  const definition = xdsService('envoy.service.status.v3.ClientStatusDiscoveryService');
  const answer = (request: ClientStatusRequest__Output): ClientStatusResponse => clientStatus(options.registry, options.cache, request);
  const implementation: grpc.UntypedServiceImplementation = {
    FetchClientStatus: (call: grpc.ServerUnaryCall<ClientStatusRequest__Output, ClientStatusResponse>, callback: grpc.sendUnaryData<ClientStatusResponse>) => {
      try {
        callback(null, answer(call.request));
      } catch (err) {
        callback(toStatus(err, options.logger));
      }
    },
    StreamClientStatus: (call: grpc.ServerDuplexStream<ClientStatusRequest__Output, ClientStatusResponse>) => {
      call.on('data', (request: ClientStatusRequest__Output) => {
        try {
          call.write(answer(request));
        } catch (err) {
          call.emit('error', toStatus(err, options.logger));
        }
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  };
  return { definition, implementation };
}

function toStatus(err: unknown, logger: Logger): Partial<grpc.ServiceError> {
  if (err instanceof CsdsRequestError) return { code: err.grpcCode, details: err.message };
  logger.error('CSDS request failed', { err });
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

/** The ClientStatusResponse for a request: one ClientConfig per connected node the matchers select. */
export function clientStatus(registry: ClientRegistry, cache: SnapshotCache, request: Partial<ClientStatusRequest__Output>): ClientStatusResponse {
  const matchers = (request.node_matchers ?? []).map(compileMatcher);
  const withContents = !request.exclude_resource_contents;
  const config: ClientConfig[] = [];
  for (const node of groupByNode(registry.streamRecords())) {
    if (matchers.length > 0 && !matchers.some((m) => m(node.info.id))) continue;
    config.push(clientConfig(node, cache, withContents));
  }
  return { config };
}

interface NodeStreams {
  readonly info: NodeInfo;
  readonly group: string | undefined;
  /** Per type, the record of the most recently opened stream carrying it. */
  readonly types: Map<string, TypeRecord>;
}

function groupByNode(streams: readonly StreamRecord[]): NodeStreams[] {
  const byNode = new Map<string, NodeStreams>();
  for (const s of streams) {
    if (!s.node) continue;
    const key = `${s.node.id}\u0000${s.node.cluster}`;
    let entry = byNode.get(key);
    if (!entry) byNode.set(key, (entry = { info: s.node, group: s.group, types: new Map() }));
    // streamRecords() is ordered by id, so later streams (reconnects) win.
    for (const [typeUrl, t] of s.types) entry.types.set(typeUrl, t);
  }
  return [...byNode.values()];
}

function clientConfig(node: NodeStreams, cache: SnapshotCache, withContents: boolean): ClientConfig {
  const published = node.group === undefined ? undefined : cache.snapshotFor(node.group);
  const generic: GenericXdsConfig[] = [];
  const typeUrls = [...node.types.keys()].sort((a, b) => typeRank(a) - typeRank(b) || (a < b ? -1 : 1));
  for (const typeUrl of typeUrls) {
    const t = node.types.get(typeUrl) as TypeRecord;
    const held = published && isServedTypeUrl(typeUrl) ? published.snapshot.resources(typeUrl) : undefined;
    const names = new Set<string>(t.resources.keys());
    for (const n of t.subscribed) if (n !== '*') names.add(n);
    if (t.wildcard && held) for (const n of held.keys()) names.add(n);
    for (const name of [...names].sort()) {
      const entry = held?.get(name);
      const any = entry && withContents ? { type_url: typeUrl, value: Buffer.from(entry.bytes) } : null;
      generic.push(genericConfig(typeUrl, name, t.resources.get(name), entry?.version, any));
    }
  }
  const n = node.info;
  return {
    node: {
      id: n.id,
      cluster: n.cluster,
      user_agent_name: n.userAgentName,
      user_agent_version: n.userAgentVersion,
      client_features: [...n.clientFeatures],
      locality: { region: n.locality.region, zone: n.locality.zone, sub_zone: n.locality.subZone },
    },
    generic_xds_configs: generic,
  };
}

type AnyValue = { type_url: string; value: Buffer } | null;

/** One resource's status as the server sees it (config_status) and as the client reported it (client_status). */
function genericConfig(typeUrl: string, name: string, rec: ResourceRecord | undefined, heldVersion: string | undefined, any: AnyValue): GenericXdsConfig {
  const base = { type_url: typeUrl, name, xds_config: any };
  if (!rec) {
    const client_status: ClientResourceStatus = heldVersion === undefined ? 'DOES_NOT_EXIST' : 'REQUESTED';
    return { ...base, version_info: '', config_status: 'NOT_SENT', client_status };
  }
  const acceptedVersion = rec.ackedResponseVersion ?? '';
  if (rec.state === 'nacked' && rec.nack) {
    const error_state: UpdateFailureState = {
      last_update_attempt: timestamp(rec.nack.at),
      details: rec.nack.errorMessage,
      version_info: rec.nack.rejectedVersion,
    };
    if (any && heldVersion === rec.version) error_state.failed_configuration = any;
    return { ...base, version_info: acceptedVersion, last_updated: timestamp(rec.ackedAt ?? rec.sentAt), config_status: 'ERROR', client_status: 'NACKED', error_state };
  }
  if (rec.state === 'sent') {
    return { ...base, version_info: acceptedVersion, last_updated: timestamp(rec.sentAt), config_status: 'STALE', client_status: 'REQUESTED' };
  }
  const status: ConfigStatus = heldVersion === undefined || heldVersion === rec.version ? 'SYNCED' : 'NOT_SENT';
  return { ...base, version_info: acceptedVersion, last_updated: timestamp(rec.ackedAt ?? rec.sentAt), config_status: status, client_status: 'ACKED' };
}

function typeRank(typeUrl: string): number {
  const i = (PUSH_ORDER as readonly string[]).indexOf(typeUrl);
  return i < 0 ? PUSH_ORDER.length : i;
}

function timestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** A node-id predicate for one NodeMatcher (metadata matchers are not supported). */
function compileMatcher(m: ClientStatusRequest__Output['node_matchers'][number]): (id: string) => boolean {
  if ((m.node_metadatas ?? []).length > 0) {
    throw new CsdsRequestError(grpc.status.UNIMPLEMENTED, 'node_matchers: node_metadatas are not supported; match by node_id');
  }
  return m.node_id ? stringMatcher(m.node_id) : () => true;
}

function stringMatcher(m: StringMatcher__Output): (value: string) => boolean {
  const fold = m.ignore_case ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (m.exact !== undefined && m.exact !== null) return (v) => fold(v) === fold(m.exact as string);
  if (m.prefix !== undefined && m.prefix !== null) return (v) => fold(v).startsWith(fold(m.prefix as string));
  if (m.suffix !== undefined && m.suffix !== null) return (v) => fold(v).endsWith(fold(m.suffix as string));
  if (m.contains !== undefined && m.contains !== null) return (v) => fold(v).includes(fold(m.contains as string));
  if (m.safe_regex) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${m.safe_regex.regex})$`, 'u');
    } catch (err) {
      throw new CsdsRequestError(grpc.status.INVALID_ARGUMENT, `node_matchers: bad safe_regex: ${(err as Error).message}`);
    }
    return (v) => re.test(v);
  }
  throw new CsdsRequestError(grpc.status.INVALID_ARGUMENT, 'node_matchers: node_id has no match pattern');
}
