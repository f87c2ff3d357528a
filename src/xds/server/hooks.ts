/**
 * ServerHooks: what the ADS server tells the rest of the system about its streams (the client
 * registry behind /xds/clients and CSDS, metrics, benchmarks). Every hook is optional and is
 * called synchronously; hooks must not throw and must not call back into the stream.
 */
import type { TypeUrl } from '../type-urls';

export type XdsProtocol = 'sotw' | 'delta';

/** The service a stream was opened on: ADS, or one of the per-type services. */
export type XdsService = 'ads' | 'cds' | 'eds' | 'lds' | 'rds';

export interface StreamInfo {
  readonly id: number;
  readonly protocol: XdsProtocol;
  readonly service: XdsService;
  readonly peer: string;
  readonly openedAt: number;
}

/** The identity a client sent in its first request (envoy.config.core.v3.Node, trimmed). */
export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly userAgentName: string;
  readonly userAgentVersion: string;
  readonly clientFeatures: readonly string[];
  readonly locality: { readonly region: string; readonly zone: string; readonly subZone: string };
}

export interface ResponseEvent {
  readonly typeUrl: string;
  readonly nonce: string;
  /** SotW: the type version sent; delta: the system version (debug only). */
  readonly version: string;
  readonly resources: readonly { readonly name: string; readonly version: string }[];
  /** Delta only: names the client was told to remove. */
  readonly removed: readonly string[];
  /** Encoded size of the response message. */
  readonly bytes: number;
  readonly at: number;
}

export interface AckEvent {
  readonly typeUrl: string;
  readonly nonce: string;
  /** SotW: version_info of the ACK; delta: the version we sent with that nonce. */
  readonly version: string;
  readonly at: number;
}

export interface NackEvent extends AckEvent {
  readonly errorCode: number;
  readonly errorMessage: string;
  /** The version we had sent with the rejected nonce (what was rejected). */
  readonly rejectedVersion: string;
  /** Names carried by the rejected response. */
  readonly rejectedResources: readonly string[];
}

export interface ServerHooks {
  onStreamOpen?(info: StreamInfo): void;
  onNode?(streamId: number, node: NodeInfo, groupKey: string): void;
  /** A request for a type (subscription change, ACK or NACK) after it was classified. */
  onSubscription?(streamId: number, typeUrl: string, names: readonly string[], wildcard: boolean): void;
  onResponse?(streamId: number, event: ResponseEvent): void;
  onAck?(streamId: number, event: AckEvent): void;
  onNack?(streamId: number, event: NackEvent): void;
  onStreamClosed?(streamId: number, reason: string): void;
}

/** Fans one set of hook calls out to several listeners. */
export function composeHooks(...all: readonly ServerHooks[]): ServerHooks {
  return {
    onStreamOpen: (info) => all.forEach((h) => h.onStreamOpen?.(info)),
    onNode: (id, node, key) => all.forEach((h) => h.onNode?.(id, node, key)),
    onSubscription: (id, t, n, w) => all.forEach((h) => h.onSubscription?.(id, t, n, w)),
    onResponse: (id, e) => all.forEach((h) => h.onResponse?.(id, e)),
    onAck: (id, e) => all.forEach((h) => h.onAck?.(id, e)),
    onNack: (id, e) => all.forEach((h) => h.onNack?.(id, e)),
    onStreamClosed: (id, r) => all.forEach((h) => h.onStreamClosed?.(id, r)),
  };
}

export type { TypeUrl };
