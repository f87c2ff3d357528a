/**
 * Typed grpc-js clients of our own ADS service for tests (generated types, no casts at call
 * sites), plus small helpers to await responses and statuses.
 */
import * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../../src/xds/generated/ads';
import type { AggregatedDiscoveryServiceClient } from '../../src/xds/generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import { xdsPackageDefinition } from '../../src/xds/proto';

export function adsClient(port: number): AggregatedDiscoveryServiceClient {
  const pkg = grpc.loadPackageDefinition(xdsPackageDefinition()) as unknown as ProtoGrpcType;
  return new pkg.envoy.service.discovery.v3.AggregatedDiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** Resolves with the next `count` messages of a stream. */
export function nextMessages<Req, T>(stream: grpc.ClientDuplexStream<Req, T>, count: number, timeoutMs = 5000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out after ${got.length}/${count} messages`)), timeoutMs);
    const onData = (m: T): void => {
      got.push(m);
      if (got.length === count) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
  });
}

/** Resolves with the status the stream ended with. */
export function endStatus<Req, Res>(stream: grpc.ClientDuplexStream<Req, Res>, timeoutMs = 5000): Promise<grpc.StatusObject> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stream did not end')), timeoutMs);
    stream.on('error', () => undefined);
    stream.on('status', (s: grpc.StatusObject) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}
