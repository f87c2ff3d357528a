/**
 * FakeProber: a Prober whose answers the test decides. Probes wait until `answer(key, result)`,
 * or are answered automatically after `latencyMs` of fake time from a standing `respondWith`.
 * The timeout runs on the same FakeClock through withTimeout, like the real probers.
 */
import type { Clock } from '../../src/clock';
import { withTimeout, type ProbeHandle, type ProbeResult, type Prober, type ProbeTarget } from '../../src/proxy/health/prober';

interface Pending {
  readonly finish: (r: ProbeResult) => void;
}

export const http = (status: number, extra: Partial<Extract<ProbeResult, { kind: 'http' }>> = {}): ProbeResult => ({
  kind: 'http',
  status,
  degraded: false,
  immediateFail: false,
  healthcheckedCluster: '',
  ...extra,
});
export const ok: ProbeResult = { kind: 'success' };
export const refused: ProbeResult = { kind: 'network', failure: 'connect', detail: 'ECONNREFUSED' };
export const reset: ProbeResult = { kind: 'network', failure: 'reset', detail: 'ECONNRESET' };
export const notServing: ProbeResult = { kind: 'active-failure', detail: 'NOT_SERVING' };
/** A standing response that never answers (the probe ends by timeout). */
export const silent = 'silent' as const;

export function keyOf(t: ProbeTarget): string {
  return `${t.address}:${t.port}`;
}

export class FakeProber implements Prober {
  /** Every probe started, in order: target key, authority and fake time. */
  readonly started: { key: string; authority: string; at: number }[] = [];
  readonly released: string[] = [];
  private readonly pending = new Map<string, Pending[]>();
  private readonly standing = new Map<string, ProbeResult | typeof silent>();

  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 0,
  ) {}

  /** Every later probe of `key` gets `result` after latencyMs (or never, with `silent`). */
  respondWith(key: string, result: ProbeResult | typeof silent): void {
    this.standing.set(key, result);
  }

  /** Answers the oldest in-flight probe of `key`; throws when none is in flight. */
  answer(key: string, result: ProbeResult): void {
    const list = this.pending.get(key);
    const p = list?.shift();
    if (!p) throw new Error(`no probe in flight for ${key}`);
    p.finish(result);
  }

  inFlight(key: string): number {
    return this.pending.get(key)?.length ?? 0;
  }

  attempts(key: string): number[] {
    return this.started.filter((s) => s.key === key).map((s) => s.at);
  }

  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle {
    const key = keyOf(target);
    this.started.push({ key, authority: target.authority, at: this.clock.now() });
    return withTimeout(this.clock, timeoutMs, done, (finish) => {
      const entry: Pending = { finish };
      const list = this.pending.get(key) ?? [];
      list.push(entry);
      this.pending.set(key, list);
      const drop = (): void => {
        const l = this.pending.get(key);
        if (l) this.pending.set(key, l.filter((e) => e !== entry));
      };
      const standing = this.standing.get(key);
      if (standing !== undefined && standing !== silent) {
        this.clock.setTimeout(() => {
          drop();
          entry.finish(standing);
        }, this.latencyMs);
      }
      // withTimeout calls this on timeout/cancel: forget the probe.
      return drop;
    });
  }

  release(target: ProbeTarget): void {
    this.released.push(keyOf(target));
  }
}
