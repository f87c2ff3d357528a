/**
 * grpc-js method definitions of the xDS discovery services with our own serialisers: requests
 * are decoded with our protos into the proto-loader `__Output` shape, responses go out as the
 * bytes the streams already framed (wire.ts), so no response is serialised twice.
 */
import type * as grpc from '@grpc/grpc-js';
import { messageType } from '../proto';
import { TypeUrl } from '../type-urls';
import type { DeltaRequest, SotwRequest } from './requests';
import { decodeSotwRequest } from './sotw-request-decoder';

const TO_OBJECT = { longs: String, enums: String, defaults: true, oneofs: true } as const;

function decoder<T>(fullName: string): (buf: Buffer) => T {
  return (buf) => {
    const type = messageType(fullName);
    return type.toObject(type.decode(buf), TO_OBJECT) as T;
  };
}

const decodeSotw: (buf: Buffer) => SotwRequest = decodeSotwRequest;
const decodeDelta = decoder<DeltaRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest');
const frame = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const unsupported = (): never => {
  throw new Error('client-side serialisation is not used by the server');
};

function method<Req>(path: string, deserialize: (buf: Buffer) => Req, streaming: boolean): grpc.MethodDefinition<Req, Uint8Array> {
  return {
    path,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: unsupported,
    requestDeserialize: deserialize,
    responseSerialize: frame,
    responseDeserialize: unsupported,
  };
}

export interface DiscoveryServiceDef {
  /** Full service name, e.g. envoy.service.discovery.v3.AggregatedDiscoveryService. */
  readonly service: string;
  /** Undefined for ADS, where each request names its type. */
  readonly typeUrl: TypeUrl | undefined;
  readonly sotwMethod: string;
  readonly deltaMethod: string;
  readonly fetchMethod: string | undefined;
}

export const DISCOVERY_SERVICES: readonly DiscoveryServiceDef[] = [
  { service: 'envoy.service.discovery.v3.AggregatedDiscoveryService', typeUrl: undefined, sotwMethod: 'StreamAggregatedResources', deltaMethod: 'DeltaAggregatedResources', fetchMethod: undefined },
  { service: 'envoy.service.cluster.v3.ClusterDiscoveryService', typeUrl: TypeUrl.Cluster, sotwMethod: 'StreamClusters', deltaMethod: 'DeltaClusters', fetchMethod: 'FetchClusters' },
  { service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', typeUrl: TypeUrl.Endpoint, sotwMethod: 'StreamEndpoints', deltaMethod: 'DeltaEndpoints', fetchMethod: 'FetchEndpoints' },
  { service: 'envoy.service.listener.v3.ListenerDiscoveryService', typeUrl: TypeUrl.Listener, sotwMethod: 'StreamListeners', deltaMethod: 'DeltaListeners', fetchMethod: 'FetchListeners' },
  { service: 'envoy.service.route.v3.RouteDiscoveryService', typeUrl: TypeUrl.Route, sotwMethod: 'StreamRoutes', deltaMethod: 'DeltaRoutes', fetchMethod: 'FetchRoutes' },
];

/** The grpc-js ServiceDefinition of one discovery service. */
export function serviceDefinition(def: DiscoveryServiceDef): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, Uint8Array>> = {
    [def.sotwMethod]: method(`/${def.service}/${def.sotwMethod}`, decodeSotw, true) as grpc.MethodDefinition<unknown, Uint8Array>,
    [def.deltaMethod]: method(`/${def.service}/${def.deltaMethod}`, decodeDelta, true) as grpc.MethodDefinition<unknown, Uint8Array>,
  };
  if (def.fetchMethod) {
    out[def.fetchMethod] = method(`/${def.service}/${def.fetchMethod}`, decodeSotw, false) as grpc.MethodDefinition<unknown, Uint8Array>;
  }
  return out;
}
