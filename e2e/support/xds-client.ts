/**
 * The real proxyless client of the end-to-end tests: @grpc/grpc-js-xds registered once per
 * process, channels to `xds:///<name>` whose bootstrap (per-channel test option, so each channel
 * gets its own XdsClient and ADS stream) points at our server. Also the polling helpers the tests
 * share. Receives the xDS server address; emits echo results; owns nothing it does not close.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { callEcho } from './echo-backend';

let registered = false;

/** Registers the xds: resolver with @grpc/grpc-js (idempotent). */
export function registerXds(): void {
  if (registered) return;
  grpcXds.register();
  registered = true;
}

export const CLIENT_NODE_ID = 'e2e-grpc-client';
export const CLIENT_NODE_CLUSTER = 'e2e-clients';

/** A bootstrap in the shape grpc-js-xds validates (node.locality is mandatory, {} is enough). */
export function bootstrapFor(xdsPort: number, nodeId = CLIENT_NODE_ID): object {
  return {
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: nodeId, cluster: CLIENT_NODE_CLUSTER, locality: {}, metadata: { suite: 'e2e' } },
  };
}

/** A client for target xds:///<listener> configured by the xDS server on 127.0.0.1:<xdsPort>. */
export function createXdsClient(xdsPort: number, listener = 'echo', nodeId = CLIENT_NODE_ID): grpc.Client {
  registerXds();
  return new grpc.Client(`xds:///${listener}`, grpc.credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrapFor(xdsPort, nodeId)),
  });
}

/** Makes `count` sequential calls and returns how many reached each backend id (failures under "error"). */
export async function tally(client: grpc.Client, count: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    let key: string;
    try {
      key = await callEcho(client);
    } catch {
      key = 'error';
    }
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined; rejects after timeoutMs with the
 * description and the last error the probe threw, so a failing test says what it waited for.
 */
export async function waitFor<T>(description: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves when a call through the client lands on backend `id` (calls may fail meanwhile). */
export function waitForBackend(client: grpc.Client, id: string, timeoutMs = 10_000): Promise<true> {
  return waitFor(`an RPC to reach backend ${id}`, async () => ((await callEcho(client, 1000)) === id ? true : undefined), timeoutMs);
}
