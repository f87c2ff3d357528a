/**
 * The unary Fetch* methods of the per-type services (REST-style polling): one DiscoveryResponse
 * with what the node's group holds for the requested names (everything for LDS/CDS wildcard).
 */
import type * as grpc from '@grpc/grpc-js';
import type { NodeHash } from '../cache/node-hash';
import type { SnapshotCache } from '../cache/snapshot-cache';
import { encodeSotwResponse } from '../cache/wire';
import { FULL_STATE_TYPES, type TypeUrl } from '../type-urls';
import { toNodeInfo, type SotwRequest } from './requests';

export function answerFetch(
  req: SotwRequest,
  typeUrl: TypeUrl,
  deps: { readonly cache: SnapshotCache; readonly nodeHash: NodeHash; readonly controlPlaneId?: string },
  epoch: string,
  callback: grpc.sendUnaryData<Uint8Array>,
): void {
  const published = deps.cache.snapshotFor(deps.nodeHash(toNodeInfo(req.node)));
  if (!published) {
    callback({ code: 14, details: 'no configuration yet' });
    return;
  }
  const resources = published.snapshot.resources(typeUrl);
  const names = (req.resource_names ?? []).filter((n) => n !== '*');
  const wildcard = names.length === 0 && FULL_STATE_TYPES.has(typeUrl);
  const entries = wildcard ? [...resources.values()] : names.map((n) => resources.get(n)).filter((e) => e !== undefined);
  callback(
    null,
    encodeSotwResponse({
      versionInfo: `${epoch}-${published.snapshot.version(typeUrl)}`,
      typeUrl,
      nonce: '0',
      resources: entries.map((e) => e.anyBytes()),
      controlPlaneId: deps.controlPlaneId,
    }),
  );
}
