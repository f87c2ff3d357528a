/**
 * KongUpstreamPolicy: the CRD's validation rules (enums, ranges, CEL) and Kong's schema limits,
 * then the effective settings with Kong's defaults filled in (ir.KongHealthSettings, for the
 * native Kong engine) and their Envoy approximation (kong-envoy.ts). Also records which Services
 * use each policy and answers the policy's ancestor statuses at the end of a translation.
 */
import type { KongHashOn, KongHealthyCounters, KongUnhealthyCounters, KongUpstreamPolicy } from '../model/kong';
import type { Service } from '../model/kube';
import type { KongHealthSettings, LoadBalancing } from '../ir/types';
import { KONG_DEFAULTS } from '../ir/defaults';
import { nsName, type Ctx } from './context';
import { kongSecondsToMs } from './durations';
import { condition, type PolicyAncestorStatus } from './status';
import { kongToEnvoy, warnKongSemantics, type KongEnvoyHealth } from './kong-envoy';
import { policyNameOf } from './service';
import { refKey } from '../model/keys';
import { refOf } from './failures';
import { CountMap, Writers, type Undo, type Unit } from './units';

const ALGORITHMS = ['round-robin', 'consistent-hashing', 'least-connections', 'latency', 'sticky-sessions'];
const CHECK_TYPES = ['http', 'https', 'tcp', 'grpc', 'grpcs'] as const;
const HASH_INPUTS = ['ip', 'consumer', 'path', 'none'];

export interface KongPolicy {
  readonly settings: KongHealthSettings;
  readonly envoy: KongEnvoyHealth;
  readonly loadBalancing: LoadBalancing;
}

/** The valid policy under one namespace/name, per unit (the last in unit order wins). */
class PolicyEntry implements Undo {
  readonly writers = new Writers<KongPolicy>();

  constructor(
    readonly key: string,
    private readonly valid: Map<string, PolicyEntry>,
  ) {}

  undo(unit: Unit): void {
    this.writers.remove(unit);
    if (this.writers.size === 0 && this.valid.get(this.key) === this) this.valid.delete(this.key);
  }
}

/** Valid policies by namespace/name, and the Services that used them (or conflicted), across units. */
export class KongPolicies {
  private readonly valid = new Map<string, PolicyEntry>();
  private readonly used: CountMap;
  private readonly conflicted: CountMap;

  constructor(private readonly ctx: Omit<Ctx, 'kong'>) {
    this.used = new CountMap(ctx.tracker);
    this.conflicted = new CountMap(ctx.tracker);
  }

  translate(policy: KongUpstreamPolicy): void {
    validatePolicy(policy, this.ctx);
    if (this.ctx.report.hasErrors(policy)) return;
    const settings = effectiveSettings(policy);
    warnKongSemantics(policy, settings, this.ctx.report);
    const key = nsName(policy.metadata.namespace, policy.metadata.name);
    const value: KongPolicy = {
      settings,
      envoy: kongToEnvoy(settings),
      loadBalancing: policy.spec.algorithm === 'least-connections' ? 'least-request' : 'round-robin',
    };
    const { tracker } = this.ctx;
    let entry = this.valid.get(key);
    if (!entry) this.valid.set(key, (entry = new PolicyEntry(key, this.valid)));
    entry.writers.put(tracker.writer(), value);
    if (tracker.tracking) tracker.wrote(`kong:${key}`, value);
    tracker.undoable(entry);
  }

  /** The valid policy a Service names, if any. */
  of(svc: Service): KongPolicy | undefined {
    const name = policyNameOf(svc);
    if (name === undefined) return undefined;
    const key = nsName(svc.metadata.namespace, name);
    if (this.ctx.tracker.tracking) this.ctx.tracker.read(`kong:${key}`);
    return this.valid.get(key)?.writers.last(this.ctx.tracker.current);
  }

  markUsed(svc: Service): void {
    this.used.add(refKey(refOf(svc)));
  }

  markConflicted(svc: Service): void {
    this.conflicted.add(refKey(refOf(svc)));
  }

  /** Ancestor statuses of every policy: one per Service that names it. */
  setStatuses(policies: readonly KongUpstreamPolicy[]): void {
    for (const p of policies) {
      const users = this.ctx.index.policyUsersOf(p.metadata.namespace, p.metadata.name);
      const { errors, warnings } = this.ctx.report.counts(p);
      const ancestors = users.map((s) => this.ancestor(s, errors));
      const own = errors > 0 ? condition('Accepted', false, 'Invalid', `${errors} error(s); see failures`) : condition('Accepted', true, 'Accepted', warnings > 0 ? `accepted with ${warnings} warning(s)` : 'accepted');
      this.ctx.statuses.set({ ref: refOf(p), conditions: [own], ancestors });
    }
  }

  private ancestor(s: Service, errors: number): PolicyAncestorStatus {
    const key = refKey(refOf(s));
    const conflicted = this.conflicted.has(key);
    const used = this.used.has(key);
    const acceptedCond = errors > 0
      ? condition('Accepted', false, 'Invalid', 'the policy is invalid')
      : conflicted
        ? condition('Accepted', false, 'Conflicted', 'the Service shares an HTTPRoute rule with backends that do not carry the same policy')
        : condition('Accepted', true, 'Accepted', 'policy applied');
    const programmed = errors === 0 && !conflicted && used
      ? condition('Programmed', true, 'Programmed', 'policy programmed')
      : condition('Programmed', false, 'Pending', used || conflicted ? 'policy not applied' : 'no route or ingress uses this Service yet');
    return {
      ancestorRef: { group: 'core', kind: 'Service', namespace: s.metadata.namespace, name: s.metadata.name },
      controllerName: this.ctx.options.controllerName,
      conditions: [acceptedCond, programmed],
    };
  }
}

function validatePolicy(p: KongUpstreamPolicy, ctx: Omit<Ctx, 'kong'>): void {
  const { spec } = p;
  const err = (path: string, msg: string): void => ctx.report.error(p, path, msg);
  if (spec.algorithm !== undefined && !ALGORITHMS.includes(spec.algorithm)) err('spec.algorithm', `algorithm must be one of ${ALGORITHMS.join(', ')}`);
  if (spec.slots !== undefined && (spec.slots < 10 || spec.slots > 65536)) err('spec.slots', 'slots must be in 10-65536');
  validateHashing(p, ctx);
  const hc = spec.healthchecks;
  if (!hc) return;
  if (hc.threshold !== undefined && (hc.threshold < 0 || hc.threshold > 100)) err('spec.healthchecks.threshold', `threshold ${hc.threshold} must be in 0-100`);
  const a = hc.active;
  if (a) {
    checkType(a.type, 'spec.healthchecks.active.type', err);
    if (a.httpPath !== undefined && !a.httpPath.startsWith('/')) err('spec.healthchecks.active.httpPath', 'httpPath must match ^/.*$');
    if (a.timeout !== undefined && (a.timeout < 0 || a.timeout > 65535)) err('spec.healthchecks.active.timeout', 'timeout must be in 0-65535 seconds');
    if (a.concurrency !== undefined && a.concurrency < 1) err('spec.healthchecks.active.concurrency', 'concurrency must be at least 1');
    checkCounters(a.healthy, 'spec.healthchecks.active.healthy', err);
    checkCounters(a.unhealthy, 'spec.healthchecks.active.unhealthy', err);
  }
  const ps = hc.passive;
  if (ps) {
    checkType(ps.type, 'spec.healthchecks.passive.type', err);
    if (ps.healthy?.interval !== undefined) err('spec.healthchecks.passive.healthy.interval', 'spec.healthchecks.passive.healthy.interval must not be set.');
    if (ps.unhealthy?.interval !== undefined) err('spec.healthchecks.passive.unhealthy.interval', 'spec.healthchecks.passive.unhealthy.interval must not be set.');
    checkCounters(ps.healthy, 'spec.healthchecks.passive.healthy', err);
    checkCounters(ps.unhealthy, 'spec.healthchecks.passive.unhealthy', err);
  }
  validateActiveForEnvoy(p, ctx);
}

/** Rules that come from Envoy, not Kong: a probe needs a timeout, and healthplane clusters are plaintext. */
function validateActiveForEnvoy(p: KongUpstreamPolicy, ctx: Omit<Ctx, 'kong'>): void {
  const a = p.spec.healthchecks?.active;
  if (!a || !((a.healthy?.interval ?? 0) > 0 || (a.unhealthy?.interval ?? 0) > 0)) return;
  if (a.timeout === 0) ctx.report.error(p, 'spec.healthchecks.active.timeout', 'timeout 0 cannot be expressed: Envoy needs a probe timeout greater than 0; set at least 1');
  if (a.type === 'https' || a.type === 'grpcs') {
    ctx.report.error(p, 'spec.healthchecks.active.type', `active type ${a.type} needs TLS to the targets, which healthplane clusters do not use yet; use http or tcp`, 'Unsupported');
  }
}

function checkType(type: string | undefined, path: string, err: (p: string, m: string) => void): void {
  if (type !== undefined && !(CHECK_TYPES as readonly string[]).includes(type)) err(path, `type must be one of ${CHECK_TYPES.join(', ')}`);
}

function checkCounters(c: KongHealthyCounters | KongUnhealthyCounters | undefined, at: string, err: (p: string, m: string) => void): void {
  if (!c) return;
  if (c.interval !== undefined && (c.interval < 0 || c.interval > 65535)) err(`${at}.interval`, 'interval must be in 0-65535 seconds');
  for (const k of ['successes', 'httpFailures', 'tcpFailures', 'timeouts'] as const) {
    const v = (c as Record<string, unknown>)[k];
    if (typeof v !== 'number') continue;
    if (v < 0 || v > 255) err(`${at}.${k}`, `${k} ${v} must be in 0-255`);
    else if (v === 255) err(`${at}.${k}`, `${k} 255 is accepted by Kong's schema but makes lua-resty-healthcheck fail to create the checker; use at most 254`);
  }
  c.httpStatuses?.forEach((s, i) => {
    if (s < 100 || s > 599) err(`${at}.httpStatuses[${i}]`, `status ${s} must be in 100-599`);
  });
}

function validateHashing(p: KongUpstreamPolicy, ctx: Omit<Ctx, 'kong'>): void {
  const { spec } = p;
  const one = (h: KongHashOn | undefined, at: string): void => {
    if (!h) return;
    const set = (['input', 'header', 'cookie', 'queryArg', 'uriCapture'] as const).filter((k) => h[k] !== undefined);
    if (set.length > 1) ctx.report.error(p, at, `only one of ${set.join(', ')} may be set`);
    if (h.input !== undefined && !HASH_INPUTS.includes(h.input)) ctx.report.error(p, `${at}.input`, `input must be one of ${HASH_INPUTS.join(', ')}`);
    if ((h.cookie === undefined) !== (h.cookiePath === undefined)) ctx.report.error(p, at, 'cookie and cookiePath must be set together');
  };
  one(spec.hashOn, 'spec.hashOn');
  one(spec.hashOnFallback, 'spec.hashOnFallback');
  if (spec.hashOn && !['consistent-hashing', 'sticky-sessions'].includes(spec.algorithm ?? '')) ctx.report.error(p, 'spec.hashOn', 'hashOn requires algorithm consistent-hashing or sticky-sessions');
  if (spec.hashOnFallback && spec.algorithm !== 'consistent-hashing') ctx.report.error(p, 'spec.hashOnFallback', 'hashOnFallback requires algorithm consistent-hashing');
  if (spec.hashOnFallback && spec.hashOn?.cookie !== undefined) ctx.report.error(p, 'spec.hashOnFallback', 'hashOnFallback must not be set when hashOn.cookie is set');
  if (spec.stickySessions && (spec.algorithm !== 'sticky-sessions' || (spec.hashOn?.input ?? 'none') !== 'none')) {
    ctx.report.error(p, 'spec.stickySessions', 'stickySessions requires algorithm sticky-sessions and hashOn.input none');
  }
  if (spec.algorithm && ALGORITHMS.includes(spec.algorithm) && !['round-robin', 'least-connections'].includes(spec.algorithm)) {
    ctx.report.warn(p, 'spec.algorithm', 'Ignored', `algorithm ${spec.algorithm} is not translated: Envoy balances round-robin; use round-robin or least-connections`);
  }
}

/** Kong's view of the policy: every omitted field takes Kong's schema default. */
function effectiveSettings(p: KongUpstreamPolicy): KongHealthSettings {
  const hc = p.spec.healthchecks ?? {};
  const a = hc.active ?? {};
  const ps = hc.passive ?? {};
  const active = {
    type: (a.type ?? KONG_DEFAULTS.active.type) as KongHealthSettings['active']['type'],
    httpPath: a.httpPath ?? KONG_DEFAULTS.active.httpPath,
    ...(a.httpsSni !== undefined ? { httpsSni: a.httpsSni } : {}),
    httpsVerifyCertificate: a.httpsVerifyCertificate ?? KONG_DEFAULTS.active.httpsVerifyCertificate,
    timeoutMs: kongSecondsToMs(a.timeout ?? KONG_DEFAULTS.active.timeoutSec),
    concurrency: a.concurrency ?? KONG_DEFAULTS.active.concurrency,
    headers: Object.entries(a.headers ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).flatMap(([name, values]) => values.map((value) => ({ name, value }))),
    healthy: { intervalMs: kongSecondsToMs(a.healthy?.interval ?? 0), successes: a.healthy?.successes ?? 0, httpStatuses: [...(a.healthy?.httpStatuses ?? KONG_DEFAULTS.active.healthyHttpStatuses)] },
    unhealthy: { intervalMs: kongSecondsToMs(a.unhealthy?.interval ?? 0), ...unhealthy(a.unhealthy, KONG_DEFAULTS.active.unhealthyHttpStatuses) },
  };
  const passive = {
    type: (ps.type ?? KONG_DEFAULTS.passive.type) as KongHealthSettings['passive']['type'],
    healthy: { successes: ps.healthy?.successes ?? 0, httpStatuses: [...(ps.healthy?.httpStatuses ?? KONG_DEFAULTS.passive.healthyHttpStatuses)] },
    unhealthy: unhealthy(ps.unhealthy, KONG_DEFAULTS.passive.unhealthyHttpStatuses),
  };
  const checkerEnabled = active.healthy.intervalMs > 0 || active.unhealthy.intervalMs > 0 || passive.unhealthy.httpFailures > 0 || passive.unhealthy.tcpFailures > 0 || passive.unhealthy.timeouts > 0;
  return { policy: `KongUpstreamPolicy/${p.metadata.namespace}/${p.metadata.name}`, checkerEnabled, threshold: hc.threshold ?? 0, active, passive };
}

function unhealthy(u: KongUnhealthyCounters | undefined, statuses: readonly number[]): KongHealthSettings['passive']['unhealthy'] {
  return { httpFailures: u?.httpFailures ?? 0, tcpFailures: u?.tcpFailures ?? 0, timeouts: u?.timeouts ?? 0, httpStatuses: [...(u?.httpStatuses ?? statuses)] };
}
