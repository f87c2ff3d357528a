/**
 * The admin routes over xDS state: GET /ready (readiness of the process) and GET /xds/clients (the
 * ClientRegistry as JSON). Receives narrow read-only views; emits AdminResponses. Never mutates
 * what it reports on.
 */
import type { ClientRegistry } from '../xds/server/client-registry';
import type { AdminHandler } from './admin-server';

/** `notes`: what else an operator should know (missing CRDs, failing watches), one line each. */
export type ReadinessState =
  | { readonly ready: true; readonly notes?: readonly string[] }
  | { readonly ready: false; readonly reason: string; readonly notes?: readonly string[] };

/** GET /ready: 200 "ready" once `check` says so, else 503 with the reason; then the notes, indented. */
export function readyHandler(check: () => ReadinessState): AdminHandler {
  return () => {
    const state = check();
    const notes = (state.notes ?? []).map((n) => `  ${n}\n`).join('');
    return state.ready ? { status: 200, body: `ready\n${notes}` } : { status: 503, body: `not ready: ${state.reason}\n${notes}` };
  };
}

/**
 * GET /xds/clients: every open xDS stream (see XdsClientsView in client-registry.ts).
 * Query: ?node=ID keeps one node's streams; ?resources=false leaves out per-resource lists.
 */
export function xdsClientsHandler(registry: Pick<ClientRegistry, 'clients'>): AdminHandler {
  return (req) => {
    const resources = req.query.get('resources');
    if (resources !== null && resources !== 'true' && resources !== 'false') {
      return { status: 400, body: `resources must be true or false, not "${resources}"\n` };
    }
    const nodeId = req.query.get('node') ?? undefined;
    return { status: 200, body: registry.clients({ resources: resources !== 'false', nodeId }) };
  };
}
