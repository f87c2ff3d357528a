/**
 * HostHealth: the sole owner of one host's Envoy health flags (HostFlag bits) and of the per-host
 * request counters /clusters prints. Receives flag changes from the active checker, the outlier
 * detector and EDS health, and request outcomes from the proxy; emits read-only HostState views.
 * Views are cached until something a view shows changes (the request counters are shared live).
 * It never decides anything: callers apply Envoy's rules, this only stores and derives (spec §1).
 */
import { HostFlag, type CoarseHealth, type HostCounters, type HostState } from './cluster-health';

/** Flags in /clusters print order with their text (spec §1). */
const FLAG_TEXT: readonly (readonly [number, string])[] = [
  [HostFlag.FAILED_ACTIVE_HC, '/failed_active_hc'],
  [HostFlag.FAILED_OUTLIER_CHECK, '/failed_outlier_check'],
  [HostFlag.FAILED_EDS_HEALTH, '/failed_eds_health'],
  [HostFlag.DEGRADED_ACTIVE_HC, '/degraded_active_hc'],
  [HostFlag.DEGRADED_EDS_HEALTH, '/degraded_eds_health'],
  [HostFlag.PENDING_DYNAMIC_REMOVAL, '/pending_dynamic_removal'],
  [HostFlag.PENDING_ACTIVE_HC, '/pending_active_hc'],
  [HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, '/excluded_via_immediate_hc_fail'],
  [HostFlag.ACTIVE_HC_TIMEOUT, '/active_hc_timeout'],
  [HostFlag.EDS_STATUS_DRAINING, '/eds_status_draining'],
];

const UNHEALTHY_MASK =
  HostFlag.FAILED_ACTIVE_HC | HostFlag.FAILED_OUTLIER_CHECK | HostFlag.FAILED_EDS_HEALTH | HostFlag.EDS_STATUS_DRAINING;
const DEGRADED_MASK = HostFlag.DEGRADED_ACTIVE_HC | HostFlag.DEGRADED_EDS_HEALTH;
const EXCLUDED_MASK = HostFlag.PENDING_ACTIVE_HC | HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL | HostFlag.EDS_STATUS_DRAINING;

/** The `health_flags` string of /clusters: `healthy`, or the set flags' texts in §1 order. */
export function healthFlagsString(flags: number): string {
  let out = '';
  for (const [bit, text] of FLAG_TEXT) if (flags & bit) out += text;
  return out === '' ? 'healthy' : out;
}

export function coarseHealth(flags: number): CoarseHealth {
  if (flags & UNHEALTHY_MASK) return 'unhealthy';
  if (flags & DEGRADED_MASK) return 'degraded';
  return 'healthy';
}

export function isExcluded(flags: number): boolean {
  return (flags & EXCLUDED_MASK) !== 0;
}

export interface HostIdentity {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly hostname: string;
}

export function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function zeroCounters(): HostCounters {
  return { rq_total: 0, rq_success: 0, rq_error: 0, rq_timeout: 0, cx_connect_fail: 0 };
}

export class HostHealth {
  readonly key: string;
  private ident: HostIdentity;
  private bits = 0;
  private readonly counters: { -readonly [K in keyof HostCounters]: number } = zeroCounters();
  private sr = -1;
  private localSr = -1;
  private cached: HostState | undefined;
  /** Called after anything a view shows changes (the owning host set drops its cached list). */
  onViewChange: (() => void) | undefined;

  constructor(ident: HostIdentity, initialFlags = 0) {
    this.ident = ident;
    this.key = hostKey(ident.address, ident.port);
    this.bits = initialFlags;
  }

  /** Displayed success rate (outlier detection), -1 when unknown. */
  get successRate(): number {
    return this.sr;
  }

  set successRate(v: number) {
    if (v === this.sr) return;
    this.sr = v;
    this.changed();
  }

  get localOriginSuccessRate(): number {
    return this.localSr;
  }

  set localOriginSuccessRate(v: number) {
    if (v === this.localSr) return;
    this.localSr = v;
    this.changed();
  }

  private changed(): void {
    this.cached = undefined;
    this.onViewChange?.();
  }

  get flags(): number {
    return this.bits;
  }

  get identity(): HostIdentity {
    return this.ident;
  }

  /** Weight or hostname changed in discovery; the host (and its state) stays. */
  setIdentity(ident: HostIdentity): void {
    const old = this.ident;
    this.ident = ident;
    if (old.address !== ident.address || old.port !== ident.port || old.weight !== ident.weight || old.hostname !== ident.hostname) this.changed();
  }

  has(flag: number): boolean {
    return (this.bits & flag) !== 0;
  }

  set(flag: number): void {
    const before = this.bits;
    this.bits |= flag;
    if (before !== this.bits) this.changed();
  }

  clear(flag: number): void {
    const before = this.bits;
    this.bits &= ~flag;
    if (before !== this.bits) this.changed();
  }

  /** Sets or clears `flag`; returns whether it changed. */
  assign(flag: number, on: boolean): boolean {
    const before = this.bits;
    if (on) this.set(flag);
    else this.clear(flag);
    return before !== this.bits;
  }

  get coarse(): CoarseHealth {
    return coarseHealth(this.bits);
  }

  get excluded(): boolean {
    return isExcluded(this.bits);
  }

  get flagsString(): string {
    return healthFlagsString(this.bits);
  }

  /** Counts one forwarded request's outcome the way Envoy's host stats do (§7.1). */
  countRequest(kind: 'success' | 'error' | 'timeout' | 'connect-fail'): void {
    const c = this.counters;
    c.rq_total += 1;
    if (kind === 'success') c.rq_success += 1;
    else if (kind === 'error') c.rq_error += 1;
    else if (kind === 'timeout') {
      c.rq_timeout += 1;
      c.rq_error += 1;
    } else {
      c.cx_connect_fail += 1;
      c.rq_error += 1;
    }
  }

  /** The host now; the same object until a flag, identity or success rate changes (`counters` is live). */
  view(): HostState {
    return (this.cached ??= this.buildView());
  }

  private buildView(): HostState {
    return {
      key: this.key,
      address: this.ident.address,
      port: this.ident.port,
      weight: this.ident.weight,
      hostname: this.ident.hostname,
      flags: this.bits,
      coarse: this.coarse,
      excluded: this.excluded,
      healthFlags: this.flagsString,
      counters: this.counters,
      successRate: this.sr,
      localOriginSuccessRate: this.localSr,
    };
  }
}
