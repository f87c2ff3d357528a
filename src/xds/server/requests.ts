/**
 * The decoded request shapes the stream state machines consume (the proto-loader `__Output` form of
 * DiscoveryRequest and DeltaDiscoveryRequest, trimmed to what we read), request limits, and the
 * classification of nodes. Pure functions; no I/O.
 */
import { XdsProtocolError } from '../../errors';
import type { NodeInfo } from './hooks';

export interface NodeMessage {
  readonly id?: string;
  readonly cluster?: string;
  readonly user_agent_name?: string;
  readonly user_agent_version?: string;
  readonly client_features?: readonly string[];
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly sub_zone?: string } | null;
}

export interface StatusMessage {
  readonly code?: number;
  readonly message?: string;
}

export interface SotwRequest {
  readonly version_info?: string;
  readonly node?: NodeMessage | null;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: StatusMessage | null;
  /**
   * The raw bytes of every resource_names entry, when the decoder kept them (see
   * sotw-request-decoder.ts): equal regions mean equal name lists.
   */
  readonly resource_names_region?: Uint8Array;
}

export interface DeltaRequest {
  readonly node?: NodeMessage | null;
  readonly type_url?: string;
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
  readonly response_nonce?: string;
  readonly error_detail?: StatusMessage | null;
}

export interface XdsLimits {
  /** Names in one request (subscribe + unsubscribe + initial versions for delta). */
  readonly maxNamesPerRequest: number;
  readonly maxNameLength: number;
  /** Distinct type URLs one stream may ask for. */
  readonly maxTypesPerStream: number;
  /** Open streams over the whole server; more are refused with RESOURCE_EXHAUSTED. */
  readonly maxStreams: number;
  /** A stream whose client does not read for this long is closed. */
  readonly slowReaderTimeoutMs: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** 0 = unlimited. */
  readonly maxConnectionAgeMs: number;
  /** How often resources with a TTL are refreshed by heartbeats. */
  readonly heartbeatIntervalMs: number;
}

export const DEFAULT_LIMITS: XdsLimits = {
  maxNamesPerRequest: 100_000,
  maxNameLength: 4096,
  maxTypesPerStream: 16,
  maxStreams: 20_000,
  slowReaderTimeoutMs: 60_000,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 0,
  heartbeatIntervalMs: 5_000,
};

export function toNodeInfo(node: NodeMessage | null | undefined): NodeInfo {
  return {
    id: node?.id ?? '',
    cluster: node?.cluster ?? '',
    userAgentName: node?.user_agent_name ?? '',
    userAgentVersion: node?.user_agent_version ?? '',
    clientFeatures: [...(node?.client_features ?? [])],
    locality: {
      region: node?.locality?.region ?? '',
      zone: node?.locality?.zone ?? '',
      subZone: node?.locality?.sub_zone ?? '',
    },
  };
}

/**
 * gRPC's xDS clients never mean "wildcard" by an empty name list (grpc-js sends [] to unsubscribe).
 * They say "gRPC ..." in user_agent_name and advertise this client feature.
 */
export function isGrpcClient(node: NodeInfo): boolean {
  return node.userAgentName.startsWith('gRPC') || node.clientFeatures.includes('envoy.lb.does_not_support_overprovisioning');
}

export function checkNames(names: readonly string[], limits: XdsLimits, field: string): void {
  if (names.length > limits.maxNamesPerRequest) {
    throw new XdsProtocolError('HP_XDS_RESOURCE_EXHAUSTED', `${field} has ${names.length} names; the limit is ${limits.maxNamesPerRequest}`);
  }
  for (const name of names) {
    if (name.length > limits.maxNameLength) {
      throw new XdsProtocolError('HP_XDS_RESOURCE_EXHAUSTED', `${field} has a name of ${name.length} characters; the limit is ${limits.maxNameLength}`);
    }
  }
}

/**
 * Whether a SotW client accepts resources wrapped in envoy.service.discovery.v3.Resource (the only
 * way to carry a TTL in SotW). grpc-js does not, and NACKs such resources.
 */
export function acceptsSotwResourceWrapper(node: NodeInfo): boolean {
  return SOTW_TTL_FEATURES.some((f) => node.clientFeatures.includes(f));
}

const SOTW_TTL_FEATURES = [
  'xds.config.resource-in-sotw',
  'xds.config.supports-resource-ttl',
  'envoy.config.resource-in-sotw',
  'envoy.config.supports-resource-ttl',
];

const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Rejects a type URL that is not an xDS type URL at all (missing or garbage). */
export function checkTypeUrl(typeUrl: string, onAds: boolean): void {
  if (!typeUrl) {
    if (onAds) throw new XdsProtocolError('HP_XDS_BAD_REQUEST', 'type URL is required for ADS');
    return;
  }
  if (!typeUrl.startsWith(TYPE_URL_PREFIX) || typeUrl.length > 256) {
    throw new XdsProtocolError('HP_XDS_BAD_REQUEST', `malformed type URL "${typeUrl.slice(0, 100)}"`);
  }
}

/**
 * The type a request is for: its own type_url, or on a per-type service the service's type.
 * Throws XdsProtocolError for a missing (ADS), malformed or foreign type URL.
 */
export function resolveTypeUrl(requested: string | undefined, fixed: string | undefined): string {
  const typeUrl = requested || fixed || '';
  checkTypeUrl(typeUrl, fixed === undefined);
  if (fixed && typeUrl !== fixed) throw new XdsProtocolError('HP_XDS_BAD_REQUEST', `this service serves ${fixed}, not ${typeUrl}`);
  return typeUrl;
}

/** Bounds how many distinct unserved type URLs one stream may ask for. */
export function checkTypeCount(served: boolean, typesSoFar: number, limits: XdsLimits): void {
  if (!served && typesSoFar >= limits.maxTypesPerStream) {
    throw new XdsProtocolError('HP_XDS_RESOURCE_EXHAUSTED', `too many distinct type URLs on one stream (limit ${limits.maxTypesPerStream})`);
  }
}
