/**
 * FakeClusterHealth: a ClusterHealth whose host flags the test sets by hand. Hosts come from the
 * backend's endpoints (healthy, flags 0); every reportResult/update/stop is recorded so tests can
 * assert what the proxy reported. No timers, no probes.
 */
import type * as ir from '../../src/ir/types';
import {
  HostFlag,
  type ClusterHealth,
  type CoarseHealth,
  type HostState,
  type OutlierSummary,
  type RequestOutcome,
} from '../../src/proxy/health/cluster-health';

const UNHEALTHY = HostFlag.FAILED_ACTIVE_HC | HostFlag.FAILED_OUTLIER_CHECK | HostFlag.FAILED_EDS_HEALTH | HostFlag.EDS_STATUS_DRAINING;
const DEGRADED = HostFlag.DEGRADED_ACTIVE_HC | HostFlag.DEGRADED_EDS_HEALTH;
const EXCLUDED = HostFlag.PENDING_ACTIVE_HC | HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL | HostFlag.EDS_STATUS_DRAINING;

export function fakeHostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function coarseOf(flags: number): CoarseHealth {
  if (flags & UNHEALTHY) return 'unhealthy';
  if (flags & DEGRADED) return 'degraded';
  return 'healthy';
}

/** A HostState for LB tests: `aHost('a', {flags: HostFlag.FAILED_ACTIVE_HC, weight: 2})`. */
export function aHost(name: string, overrides: { flags?: number; weight?: number; port?: number } = {}): HostState {
  const flags = overrides.flags ?? 0;
  const port = overrides.port ?? 80;
  return {
    key: fakeHostKey(name, port),
    address: name,
    port,
    weight: overrides.weight ?? 1,
    hostname: '',
    flags,
    coarse: coarseOf(flags),
    excluded: (flags & EXCLUDED) !== 0,
  };
}

export interface RecordedReport {
  readonly hostKey: string;
  readonly outcome: RequestOutcome;
}

export class FakeClusterHealth implements ClusterHealth {
  readonly name: string;
  readonly engine: ir.HealthEngine;
  readonly reports: RecordedReport[] = [];
  readonly updates: ir.Backend[] = [];
  stopped = false;
  outlier: OutlierSummary | undefined;
  private readonly flags = new Map<string, number>();
  private endpoints: readonly ir.Endpoint[];
  private readonly listeners = new Set<() => void>();

  constructor(backend: ir.Backend) {
    this.name = backend.name;
    this.engine = backend.engine;
    this.endpoints = backend.endpoints;
  }

  hosts(): readonly HostState[] {
    return this.endpoints.map((e) => {
      const key = fakeHostKey(e.address, e.port);
      const flags = this.flags.get(key) ?? 0;
      return { key, address: e.address, port: e.port, weight: e.weight, hostname: e.hostname ?? '', flags, coarse: coarseOf(flags), excluded: (flags & EXCLUDED) !== 0 };
    });
  }

  /** Sets a host's flag bits (HostFlag) and tells onChange listeners. */
  setFlags(hostKey: string, flags: number): void {
    this.flags.set(hostKey, flags);
    for (const l of this.listeners) l();
  }

  reportResult(hostKey: string, outcome: RequestOutcome): void {
    this.reports.push({ hostKey, outcome });
  }

  /** The outcomes reported for one host, without the connect-success notes. */
  outcomesOf(hostKey: string): RequestOutcome[] {
    return this.reports.filter((r) => r.hostKey === hostKey && r.outcome.type !== 'connect-success').map((r) => r.outcome);
  }

  update(backend: ir.Backend): void {
    this.updates.push(backend);
    this.endpoints = backend.endpoints;
  }

  stop(): void {
    this.stopped = true;
  }

  outlierSummary(): OutlierSummary | undefined {
    return this.outlier;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
