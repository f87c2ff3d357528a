/**
 * Builders for ServerHooks events (StreamInfo, NodeInfo, ResponseEvent, AckEvent, NackEvent), so
 * tests of hook consumers (client registry, CSDS) read as a sequence of protocol steps.
 */
import type { AckEvent, NackEvent, NodeInfo, ResponseEvent, StreamInfo } from '../../src/xds/server/hooks';

export function aStream(overrides: Partial<StreamInfo> = {}): StreamInfo {
  return { id: 1, protocol: 'sotw', service: 'ads', peer: 'ipv4:127.0.0.1:40000', openedAt: 1_700_000_000_000, ...overrides };
}

export function aNode(overrides: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id: 'envoy-1',
    cluster: 'edge',
    userAgentName: 'envoy',
    userAgentVersion: '1.30.0',
    clientFeatures: [],
    locality: { region: '', zone: '', subZone: '' },
    ...overrides,
  };
}

export function aResponse(typeUrl: string, nonce: string, version: string, resources: Record<string, string>, extra: Partial<ResponseEvent> = {}): ResponseEvent {
  return {
    typeUrl,
    nonce,
    version,
    resources: Object.entries(resources).map(([name, v]) => ({ name, version: v })),
    removed: [],
    bytes: 100,
    at: 1_700_000_001_000,
    ...extra,
  };
}

export function anAck(typeUrl: string, nonce: string, version: string, at = 1_700_000_002_000): AckEvent {
  return { typeUrl, nonce, version, at };
}

export function aNack(typeUrl: string, nonce: string, rejectedVersion: string, message: string, extra: Partial<NackEvent> = {}): NackEvent {
  return {
    typeUrl,
    nonce,
    version: '',
    at: 1_700_000_003_000,
    errorCode: 14,
    errorMessage: message,
    rejectedVersion,
    rejectedResources: [],
    ...extra,
  };
}
