/**
 * EnvoyClusterHealth: the ClusterHealth of a backend run with Envoy semantics. Receives IR backends
 * (update) and request outcomes; emits HostState views, change notifications, HC/outlier events
 * and stats. Endpoint-only updates keep every staying host's state; a change to the health
 * configuration builds a new host set that warms (one probe per host) before it replaces the old
 * one, as Envoy rebuilds and warms a changed cluster. Never picks hosts or forwards requests.
 */
import type { Clock, Random } from '../../clock';
import type * as ir from '../../ir/types';
import type { Stats } from '../stats';
import type { ClusterHealth, HostState, OutlierSummary, RequestOutcome } from './cluster-health';
import { nullSink, type EventSink } from './event-log';
import type { HealthCheckConfig } from './health-check-config';
import { EnvoyHostSet } from './envoy-host-set';
import type { Prober } from './prober';
import { createProber } from './probers';

export interface EnvoyClusterHealthDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly stats: Stats;
  /** Builds the prober of a health check; default: the real HTTP/TCP/gRPC probers. */
  readonly probers?: (config: HealthCheckConfig) => Prober;
  /** Opens the event log an Upstream names (`eventLogPath`); default: events are dropped. */
  readonly eventLog?: (path: string) => EventSink;
  /** Envoy's process-wide outlier event log (bootstrap `outlier_detection.event_log_path`), if any. */
  readonly outlierEventLog?: EventSink;
}

/** JSON with sorted keys: equal configs give equal strings whatever the key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** What, when changed, makes Envoy rebuild the cluster's health state. */
function healthConfigKey(b: ir.Backend): string {
  return stableJson({ hc: b.healthCheck, od: b.outlierDetection, ignore: b.ignoreHealthOnHostRemoval });
}

function tee(sinks: readonly EventSink[]): EventSink {
  if (sinks.length === 0) return nullSink;
  if (sinks.length === 1) return sinks[0] ?? nullSink;
  return { write: (line) => sinks.forEach((s) => s.write(line)) };
}

export class EnvoyClusterHealth implements ClusterHealth {
  readonly engine: ir.HealthEngine = 'envoy';
  readonly name: string;
  private backend: ir.Backend;
  private active: EnvoyHostSet;
  private warming: EnvoyHostSet | undefined;
  private readonly listeners = new Set<() => void>();
  private stopped = false;

  constructor(
    backend: ir.Backend,
    private readonly deps: EnvoyClusterHealthDeps,
  ) {
    this.name = backend.name;
    this.backend = backend;
    this.active = this.build(backend, false, false);
  }

  hosts(): readonly HostState[] {
    return this.active.views();
  }

  reportResult(hostKey: string, outcome: RequestOutcome): void {
    if (this.stopped) return;
    this.warming?.markTraffic();
    this.active.reportResult(hostKey, outcome);
  }

  update(backend: ir.Backend): void {
    if (this.stopped) return;
    const rebuild = healthConfigKey(backend) !== healthConfigKey(this.backend);
    this.backend = backend;
    if (!rebuild) {
      this.active.setEndpoints(backend);
      this.warming?.setEndpoints(backend);
      return;
    }
    this.warming?.stop();
    this.warming = undefined;
    const next = this.build(backend, this.active.hadTraffic, true);
    if (next.warm()) this.promote(next);
    else this.warming = next;
  }

  outlierSummary(): OutlierSummary | undefined {
    return this.active.outlierSummary();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.warming?.stop();
    this.active.stop();
    this.warming = undefined;
  }

  /** Whether a health-config change is still waiting for its first probes. */
  get isWarming(): boolean {
    return this.warming !== undefined;
  }

  private build(backend: ir.Backend, hadTraffic: boolean, warming: boolean): EnvoyHostSet {
    const d = this.deps;
    const path = backend.healthCheck?.eventLogPath;
    const file = path && d.eventLog ? d.eventLog(path) : undefined;
    let set: EnvoyHostSet | undefined = undefined;
    const isActive = (): boolean => set !== undefined && set === this.active;
    set = new EnvoyHostSet(backend, {
      clock: d.clock,
      random: d.random,
      stats: d.stats,
      probers: d.probers ?? ((config) => createProber(config, d.clock)),
      hcEvents: file ?? nullSink,
      outlierEvents: tee([...(file ? [file] : []), ...(d.outlierEventLog ? [d.outlierEventLog] : [])]),
      hadTraffic,
      notify: () => {
        if (isActive()) this.notify();
      },
      checked: warming ? () => this.onWarmingChecked() : undefined,
    });
    return set;
  }

  private onWarmingChecked(): void {
    const w = this.warming;
    if (w && w.warm()) this.promote(w);
  }

  private promote(next: EnvoyHostSet): void {
    const old = this.active;
    this.active = next;
    this.warming = undefined;
    old.stop();
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
