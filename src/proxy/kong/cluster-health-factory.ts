/**
 * clusterHealthFactory: picks a backend's native health engine by `backend.engine` (resources.md
 * §1.3): Kong's checker for KongUpstreamPolicy backends, Envoy's for the rest. Receives the
 * shared deps; emits the ProxyRuntime's ClusterHealthFactory. Never builds anything else.
 */
import type * as ir from '../../ir/types';
import type { Logger } from '../../log';
import type { ClusterHealth } from '../health/cluster-health';
import { EnvoyClusterHealth, type EnvoyClusterHealthDeps } from '../health/envoy-cluster-health';
import type { Prober } from '../health/prober';
import { KongClusterHealth } from './kong-cluster-health';

export interface ClusterHealthFactoryDeps extends EnvoyClusterHealthDeps {
  readonly logger?: Logger;
  /** Kong's active-check probers (tests); default: the real HTTP/HTTPS/TCP probers. */
  readonly kongProbers?: (active: ir.KongActiveSettings) => Prober | undefined;
}

export function createClusterHealth(backend: ir.Backend, deps: ClusterHealthFactoryDeps): ClusterHealth {
  if (backend.engine === 'kong') {
    return new KongClusterHealth(backend, { clock: deps.clock, random: deps.random, logger: deps.logger, probers: deps.kongProbers });
  }
  return new EnvoyClusterHealth(backend, deps);
}

export function clusterHealthFactory(deps: ClusterHealthFactoryDeps): (backend: ir.Backend) => ClusterHealth {
  return (backend) => createClusterHealth(backend, deps);
}
