/**
 * LeaderElection on a coordination.k8s.io/v1 Lease (client-go's algorithm): every replica serves
 * xDS; the one holding the Lease writes status. Receives a KubeApi and the injected Clock/Random;
 * emits leadership changes. Acquires when the Lease is free or its holder has not renewed for a
 * lease duration (measured on the local clock, never by comparing clocks); renews every retry
 * period; a leader that could not renew within the renew deadline stops leading at once, and
 * isLeader() turns false by time alone even before a timer fires. Never writes anything but its Lease.
 */
import type { Clock, Random, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import { deepEqual } from '../store';
import { isStatus, type Json, type KubeApi } from './api-client';
import { collectionPath, LEASE_KIND, objectPath } from './kinds';

export interface LeaderElectionOptions {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (the pod name, plus something unique). */
  readonly identity: string;
  /** Defaults as client-go's: 15 s, 10 s, 2 s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export class LeaderElection {
  private leading = false;
  private renewedAt = Number.NEGATIVE_INFINITY;
  private observed: LeaseSpec | undefined;
  private observedAt = 0;
  private timer: TimerHandle | undefined;
  private attempt: Promise<void> | undefined;
  private stopped = true;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.deadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseMs > this.deadlineMs && this.deadlineMs > this.retryMs)) throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod');
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True only while the Lease is held and was renewed within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.options.clock.now() - this.renewedAt < this.deadlineMs;
  }

  /** Calls `fn(true)` on becoming leader and `fn(false)` on losing (or giving up) the Lease. */
  onChange(fn: (leading: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tries at once, then every retry period. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops trying; a leader releases the Lease (unless `release` is false) so another takes over at once. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    await this.whenIdle();
    const wasLeading = this.isLeader();
    this.setLeading(false);
    if (release && wasLeading) await this.release();
  }

  /** Resolves when no attempt is in flight. */
  async whenIdle(): Promise<void> {
    while (this.attempt) await this.attempt;
  }

  private tick(): void {
    if (this.stopped || this.attempt) return;
    this.attempt = this.tryAcquireOrRenew()
      .then((ok) => this.settle(ok))
      .catch((err: unknown) => {
        this.options.logger.warn('leader election: cannot reach the Lease', { lease: this.leaseName(), err: (err as Error).message });
        this.settle(false);
      })
      .finally(() => {
        this.attempt = undefined;
        this.schedule();
      });
  }

  private settle(ok: boolean): void {
    const now = this.options.clock.now();
    if (ok) {
      this.renewedAt = now;
      if (!this.leading) this.options.logger.info('leading: this replica writes status', { lease: this.leaseName(), identity: this.options.identity });
      this.setLeading(true);
    } else if (this.leading && (now - this.renewedAt >= this.deadlineMs || this.takenByOther())) {
      this.options.logger.warn('lost the lease: this replica stops writing status', { lease: this.leaseName(), identity: this.options.identity });
      this.setLeading(false);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const jitter = this.leading ? 1 : 1 + 0.2 * this.options.random.next();
    this.timer = this.options.clock.setTimeout(() => this.tick(), Math.round(this.retryMs * jitter));
  }

  private takenByOther(): boolean {
    const holder = this.observed?.holderIdentity;
    return holder !== undefined && holder !== '' && holder !== this.options.identity;
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const fn of [...this.listeners]) fn(leading);
  }

  /** One round: true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, clock, identity, namespace, name } = this.options;
    const path = objectPath(LEASE_KIND, namespace, name);
    const now = clock.now();
    const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.leaseMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let lease: Json;
    try {
      lease = await api.get(path);
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      return this.write(() => api.create(collectionPath(LEASE_KIND, namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec }), spec);
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    if (!deepEqual(current, this.observed)) {
      this.observed = current;
      this.observedAt = clock.now();
    }
    const holder = current.holderIdentity ?? '';
    const duration = (current.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
    if (holder !== '' && holder !== identity && this.observedAt + duration > clock.now()) return false;
    const next: LeaseSpec = holder === identity
      ? { ...current, renewTime: spec.renewTime, leaseDurationSeconds: spec.leaseDurationSeconds }
      : { ...spec, leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
    const metadata = { ...(lease.metadata as Json), resourceVersion: (lease.metadata as Json | undefined)?.resourceVersion };
    return this.write(() => api.replace(path, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: next }), next);
  }

  private async write(send: () => Promise<Json>, spec: LeaseSpec): Promise<boolean> {
    try {
      await send();
    } catch (err) {
      if (isStatus(err, 409)) return false; // someone else wrote first
      throw err;
    }
    this.observed = spec;
    this.observedAt = this.options.clock.now();
    return true;
  }

  private async release(): Promise<void> {
    const { api, clock, namespace, name } = this.options;
    const path = objectPath(LEASE_KIND, namespace, name);
    try {
      const lease = await api.get(path);
      const current = (lease.spec ?? {}) as LeaseSpec;
      if (current.holderIdentity !== this.options.identity) return;
      const now = microTime(clock.now());
      const spec: LeaseSpec = { ...current, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      await api.replace(path, { ...lease, spec });
      this.options.logger.info('released the lease', { lease: this.leaseName() });
    } catch (err) {
      this.options.logger.warn('could not release the lease; another replica takes over once it expires', { lease: this.leaseName(), err: (err as Error).message });
    }
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
