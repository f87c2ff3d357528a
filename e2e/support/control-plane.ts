/**
 * ControlPlane: what the e2e scenarios need from the server under test, whether it runs as the
 * real `healthplane serve` process or in this process: its xDS port, a way to publish a new set
 * of Envoy resources, the GET /xds/clients view, and restart/stop. Plus small readers over that
 * view (the client's current stream and one type's record). Owns no server itself.
 */
import type { XdsClientTypeView, XdsClientView, XdsClientsView } from '../../src/xds/server/client-registry';
import type { EchoResources } from './echo-resources';

export interface ControlPlane {
  readonly kind: string;
  /** The bound xDS port (stays the same across restart()). */
  readonly xdsPort: number;
  /** Replaces what is served to every node with these resources. */
  publish(resources: EchoResources): Promise<void>;
  /** The documented JSON of GET /xds/clients. */
  clients(): Promise<XdsClientsView>;
  /** Stops the server and starts a fresh one (no memory of clients) on the same xDS port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type TypeName = 'clusters' | 'endpoints' | 'listeners' | 'routes';

/** The newest open stream of node `nodeId`, if any. */
export function streamOf(view: XdsClientsView, nodeId: string): XdsClientView | undefined {
  const mine = view.clients.filter((c) => c.node?.id === nodeId);
  return mine.sort((a, b) => b.stream_id - a.stream_id)[0];
}

export function typeOf(client: XdsClientView | undefined, type: TypeName): XdsClientTypeView | undefined {
  return client?.types.find((t) => t.type === type);
}

/** True when the type's last response was ACKed (same nonce) and carried at least one resource. */
export function isAcked(t: XdsClientTypeView | undefined): boolean {
  return !!t && !!t.sent && !!t.acked && t.acked.nonce === t.sent.nonce && t.sent.resources > 0;
}

export const ALL_TYPES: readonly TypeName[] = ['listeners', 'routes', 'clusters', 'endpoints'];
