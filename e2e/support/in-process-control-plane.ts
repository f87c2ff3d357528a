/**
 * InProcessControlPlane: the same server parts `healthplane serve` wires together (SnapshotCache,
 * AdsServer, ClientRegistry as hooks), run inside the Jest process on 127.0.0.1. Publishes the
 * resources-file content through parseResources + publishResources (the code behind
 * --xds-resources) on the default group, serves /xds/clients as the
 * registry's view, and records every NACK the server hook saw. restart() drops all state, like
 * a process restart, and binds the same port again, but keeps the version epoch: the reconnecting
 * client then asks with exactly the versions the new server holds (a real process would differ).
 */
import { systemClock } from '../../src/clock';
import { silentLogger } from '../../src/log';
import { byCluster } from '../../src/xds/cache/node-hash';
import { SnapshotCache } from '../../src/xds/cache/snapshot-cache';
import { AdsServer } from '../../src/xds/server/ads-server';
import { ClientRegistry, type XdsClientsView } from '../../src/xds/server/client-registry';
import { composeHooks, type NackEvent } from '../../src/xds/server/hooks';
import { parseResources, publishResources } from '../../src/xds/resources-file';
import type { ControlPlane } from './control-plane';
import type { EchoResources } from './echo-resources';

interface Running {
  readonly cache: SnapshotCache;
  readonly registry: ClientRegistry;
  readonly server: AdsServer;
}

export class InProcessControlPlane implements ControlPlane {
  readonly kind = 'in-process';
  /** Every NACK seen by ServerHooks.onNack, across restarts. */
  readonly nacks: NackEvent[] = [];
  private running: Running | undefined;
  private resources: EchoResources;
  private readonly epoch = `e2e${Date.now().toString(36)}`;

  private constructor(
    resources: EchoResources,
    public xdsPort: number,
  ) {
    this.resources = resources;
  }

  static async start(resources: EchoResources, port = 0): Promise<InProcessControlPlane> {
    const cp = new InProcessControlPlane(resources, port);
    await cp.boot();
    return cp;
  }

  async publish(resources: EchoResources): Promise<void> {
    const load = parseResources(JSON.stringify(resources), 'e2e resources');
    const result = publishResources(this.live().cache, load);
    if (result.status === 'rejected') throw new Error(`${result.code}: ${result.problems.join('; ')}`);
    this.resources = resources;
  }

  async clients(): Promise<XdsClientsView> {
    return this.live().registry.clients();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.server.stop(500);
  }

  private live(): Running {
    if (!this.running) throw new Error('the in-process control plane is stopped');
    return this.running;
  }

  private async boot(): Promise<void> {
    const cache = new SnapshotCache({ clock: systemClock, logger: silentLogger });
    const registry = new ClientRegistry({ clock: systemClock });
    const hooks = composeHooks(registry, { onNack: (_id, e) => this.nacks.push(e) });
    const server = new AdsServer({ cache, nodeHash: byCluster, hooks, clock: systemClock, logger: silentLogger, epoch: this.epoch });
    this.running = { cache, registry, server };
    await this.publish(this.resources);
    this.xdsPort = await server.listen('127.0.0.1', this.xdsPort);
  }
}
