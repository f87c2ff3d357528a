/**
 * SotwStream: the state-of-the-world protocol for one stream (ADS or a per-type service). Owns,
 * per type, the subscription, the last nonce, what the client was sent, and pending forced
 * resends; receives decoded DiscoveryRequests and snapshots; emits encoded DiscoveryResponses in
 * push order (clusters, endpoints, listeners, routes; removals last). Never resends content the
 * client NACKed: only a newer version or newly requested names trigger a response.
 */
import type { SnapshotEntry } from '../cache/snapshot';
import { encodeSotwResponse } from '../cache/wire';
import { FULL_STATE_TYPES, PUSH_ORDER, TypeUrl, isServedTypeUrl } from '../type-urls';
import { reconcilePass, type Changed, type Phase } from './diff-mode';
import { checkNames, checkTypeCount, resolveTypeUrl, type SotwRequest } from './requests';
import { StreamCore, type StreamDeps } from './stream-core';
import { NO_CHANGE, Subscription, changed, type SubscriptionChange } from './subscription';
import { HeldResources } from './held-resources';

interface SotwTypeState {
  readonly sub: Subscription;
  lastNonce: string;
  /** What the client was last sent of each name (full-state types: exactly the last response). */
  readonly sent: HeldResources<SnapshotEntry>;
  /** The resources of the last response (what a NACK of lastNonce rejected). */
  lastSent: readonly SnapshotEntry[];
  /** Answer with everything requested at the next opportunity (first request of the type). */
  forceAll: boolean;
  /** Names to send at the next opportunity even if unchanged (newly requested, or EDS after CDS). */
  readonly forced: Set<string>;
  /** version_info of the last response (what a NACK of lastNonce rejected). */
  lastVersion: string;
  /** Raw resource_names of the last request that changed them (see sotw-request-decoder.ts). */
  lastRegion: Buffer | undefined;
}

export class SotwStream {
  private readonly core: StreamCore;
  private readonly types = new Map<string, SotwTypeState>();
  /** Id of the snapshot the last complete reconcile used; anything else needs a full diff. */
  private reconciledId = 0;

  /** @param fixedTypeUrl set on the per-type services, where requests may omit type_url. */
  constructor(
    deps: StreamDeps,
    private readonly fixedTypeUrl?: TypeUrl,
  ) {
    this.core = new StreamCore(deps, () => this.reconcile());
  }

  get streamCore(): StreamCore {
    return this.core;
  }

  /** Handles one request; throws XdsProtocolError for a request that ends the stream. */
  handleRequest(req: SotwRequest): void {
    if (this.core.isClosed()) return;
    const typeUrl = resolveTypeUrl(req.type_url, this.fixedTypeUrl);
    this.core.attachNode(req.node);
    const nonce = req.response_nonce ?? '';
    let state = this.types.get(typeUrl);
    if (nonce !== '' && (!state || nonce !== state.lastNonce)) return; // stale: ignore entirely
    if (!state) state = this.newState(typeUrl);
    const change = this.updateNames(typeUrl, state, req);
    this.classify(typeUrl, state, req, nonce);
    if (changed(change) || nonce === '') {
      this.core.deps.hooks.onSubscription?.(this.core.id, typeUrl, state.sub.describe(), state.sub.isWildcard());
      for (const n of change.added) state.forced.add(n);
      for (const n of state.sent.keys()) if (!state.sub.tracks(n)) state.sent.delete(n); // asked to forget: resend if asked again
    }
    if (change.wildcardChanged && state.sub.isWildcard()) state.forceAll = true;
    if (nonce === '') state.forceAll = true;
    this.reconcile();
  }

  /** Releases everything when the stream ends. */
  dispose(reason: string): void {
    this.core.dispose(reason);
  }

  /** Per-name state held beyond the snapshot the stream is in step with (memory accounting). */
  retainedNames(): number {
    let n = 0;
    for (const state of this.types.values()) n += state.sent.overrideCount();
    return n;
  }

  private newState(typeUrl: string): SotwTypeState {
    checkTypeCount(isServedTypeUrl(typeUrl), this.types.size, this.core.deps.limits);
    const sub = new Subscription(typeUrl, { legacyWildcard: !this.core.grpcClient });
    const state: SotwTypeState = {
      sub,
      lastNonce: '',
      sent: new HeldResources<SnapshotEntry>((n) => sub.tracks(n), (e) => e),
      lastSent: [],
      forceAll: false,
      forced: new Set(),
      lastVersion: '',
      lastRegion: undefined,
    };
    this.types.set(typeUrl, state);
    return state;
  }

  /**
   * Applies the request's name list. An ACK that repeats the previous list byte for byte (the
   * common case) costs one buffer comparison: no names are decoded.
   */
  private updateNames(typeUrl: string, state: SotwTypeState, req: SotwRequest): SubscriptionChange {
    const region = req.resource_names_region;
    if (region && state.lastRegion && Buffer.compare(region, state.lastRegion) === 0) return NO_CHANGE;
    const names = req.resource_names ?? [];
    checkNames(names, this.core.deps.limits, 'resource_names');
    state.lastRegion = region ? Buffer.from(region) : undefined;
    state.sent.materialize(); // the tracking rule may change
    return state.sub.replaceAll(this.core.intern(typeUrl, names));
  }

  /** ACK or NACK of the response named by the (current) nonce. */
  private classify(typeUrl: string, state: SotwTypeState, req: SotwRequest, nonce: string): void {
    if (nonce === '') return;
    const at = this.core.deps.clock.now();
    const hooks = this.core.deps.hooks;
    if (req.error_detail) {
      hooks.onNack?.(this.core.id, {
        typeUrl,
        nonce,
        version: req.version_info ?? '',
        at,
        errorCode: req.error_detail.code ?? 0,
        errorMessage: req.error_detail.message ?? '',
        rejectedVersion: state.lastVersion,
        rejectedResources: state.lastSent.map((e) => e.name),
      });
    } else {
      hooks.onAck?.(this.core.id, { typeUrl, nonce, version: req.version_info ?? '', at });
    }
  }

  /** Brings the client up to date with the current snapshot, in push order, removals last. */
  private reconcile(): void {
    this.reconciledId = reconcilePass(this.core, this.reconciledId, this.types, {
      visit: (typeUrl, state, phase, changed) => this.reconcileType(typeUrl, state, phase, changed),
      rebase: (state, resources) => state.sent.rebase(resources),
    });
  }

  private reconcileType(typeUrl: TypeUrl, state: SotwTypeState, phase: Phase, changed: Changed): void {
    if (FULL_STATE_TYPES.has(typeUrl)) this.reconcileFullState(typeUrl, state, phase, changed);
    else if (phase === 'upsert') this.reconcileSubset(typeUrl, state, changed);
  }

  /** LDS/CDS: every response carries everything the client should have. */
  private reconcileFullState(typeUrl: TypeUrl, state: SotwTypeState, phase: Phase, changed: Changed): void {
    if (changed !== 'all' && changed.size === 0 && !state.forceAll && state.forced.size === 0) return;
    const wanted = this.wantedFullState(typeUrl, state);
    const upserts = wanted.filter((e) => state.forced.has(e.name) || state.sent.get(e.name)?.version !== e.version);
    const wantedNames = new Set(wanted.map((e) => e.name));
    // Only what the snapshot itself took away needs the make-before-break transition.
    const leaving = [...state.sent.values()].filter((e) => !wantedNames.has(e.name) && (changed === 'all' || changed.has(e.name)));
    if (phase === 'upsert') {
      if (!state.forceAll && upserts.length === 0) return;
      // Make before break: keep what is leaving until the other types have caught up.
      this.send(typeUrl, state, [...wanted, ...leaving], leaving.length > 0 ? '.transition' : '');
      this.forceEndpointsOf(typeUrl, upserts);
    } else if (leaving.length > 0) {
      this.send(typeUrl, state, wanted, '');
    }
  }

  private wantedFullState(typeUrl: TypeUrl, state: SotwTypeState): SnapshotEntry[] {
    const resources = this.core.published!.snapshot.resources(typeUrl);
    if (state.sub.isWildcard()) return [...resources.values()];
    const out: SnapshotEntry[] = [];
    for (const name of state.sub.explicitNames()) {
      const e = resources.get(name);
      if (e) out.push(e);
    }
    return out;
  }

  /** EDS/RDS: send only what changed or was newly requested; absence deletes nothing. */
  private reconcileSubset(typeUrl: TypeUrl, state: SotwTypeState, changed: Changed): void {
    const published = this.core.published!;
    const candidates: Iterable<string> =
      changed === 'all' || state.forceAll ? state.sub.explicitNames() : union(changed, state.forced);
    const out: SnapshotEntry[] = [];
    for (const name of candidates) {
      if (!state.sub.tracks(name)) continue;
      const entry = published.snapshot.get(typeUrl, name);
      if (!entry) {
        state.sent.delete(name); // gone: send it again when it comes back
        continue;
      }
      if (state.forceAll || state.forced.has(name) || state.sent.get(name)?.version !== entry.version) out.push(entry);
    }
    if (out.length === 0) {
      state.forceAll = false;
      state.forced.clear();
      return;
    }
    this.send(typeUrl, state, out, '');
  }

  /** After clusters were added or changed, their endpoints are sent again so Envoy finishes warming. */
  private forceEndpointsOf(typeUrl: TypeUrl, clusters: readonly SnapshotEntry[]): void {
    if (typeUrl !== TypeUrl.Cluster) return;
    const eds = this.types.get(TypeUrl.Endpoint);
    if (!eds) return;
    for (const c of clusters) for (const ref of c.references) if (eds.sub.tracks(ref)) eds.forced.add(ref);
  }

  private send(typeUrl: TypeUrl, state: SotwTypeState, entries: readonly SnapshotEntry[], suffix: string): void {
    const version = `${this.core.deps.epoch}-${this.core.published!.snapshot.version(typeUrl)}${suffix}`;
    const wrap = this.core.sotwTtl;
    this.emit(typeUrl, state, version, entries, entries.map((e) => (wrap && e.ttlMs !== undefined ? e.wrappedAnyBytes() : e.anyBytes())));
    if (FULL_STATE_TYPES.has(typeUrl)) state.sent.clear();
    for (const e of entries) state.sent.set(e.name, e);
    state.lastSent = entries;
    state.forceAll = false;
    state.forced.clear();
    if (wrap && entries.some((e) => e.ttlMs !== undefined)) this.core.armHeartbeat(() => this.heartbeat());
  }

  /**
   * Refreshes the TTL of every resource the client holds that has one: wrapped heartbeats (no
   * content) at the same version; LDS/CDS keep the rest of their full state in the response.
   * Returns whether any such resource is left.
   */
  private heartbeat(): boolean {
    let any = false;
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (!state || ![...state.sent.values()].some((e) => e.ttlMs !== undefined)) continue;
      any = true;
      const entries = [...state.sent.values()].filter((e) => e.ttlMs !== undefined || FULL_STATE_TYPES.has(typeUrl));
      this.emit(typeUrl, state, state.lastVersion, entries, entries.map((e) => (e.ttlMs !== undefined ? e.wrappedHeartbeatBytes() : e.anyBytes())));
    }
    return any;
  }

  private emit(typeUrl: TypeUrl, state: SotwTypeState, version: string, entries: readonly SnapshotEntry[], anys: readonly Uint8Array[]): void {
    const nonce = this.core.nextNonce();
    const bytes = encodeSotwResponse({ versionInfo: version, typeUrl, nonce, resources: anys, controlPlaneId: this.core.deps.controlPlaneId });
    state.lastNonce = nonce;
    state.lastVersion = version;
    this.core.deps.hooks.onResponse?.(this.core.id, { typeUrl, nonce, version, resources: entries, removed: [], bytes: bytes.length, at: this.core.deps.clock.now() });
    this.core.write(bytes);
  }
}

function* union(a: ReadonlySet<string>, b: ReadonlySet<string>): Iterable<string> {
  yield* a;
  for (const n of b) if (!a.has(n)) yield n;
}
