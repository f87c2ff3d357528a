/**
 * NodeHash: maps a client's node identity to the key of the snapshot group it is served from.
 * By default nodes are grouped by node.cluster (Envoy's --service-cluster); by option by node.id.
 */

export interface NodeIdentity {
  readonly id: string;
  readonly cluster: string;
}

export type NodeHash = (node: NodeIdentity) => string;

/** The group served to nodes whose own group has no snapshot. */
export const DEFAULT_GROUP = '*';

export const byCluster: NodeHash = (node) => node.cluster || DEFAULT_GROUP;
export const byNodeId: NodeHash = (node) => node.id || DEFAULT_GROUP;

export function nodeHashFor(kind: 'cluster' | 'id'): NodeHash {
  return kind === 'id' ? byNodeId : byCluster;
}
