/**
 * DeltaStream: the incremental protocol for one stream. Owns, per type, the subscription, the
 * versions the client holds (seeded from initial_resource_versions on the first request of the
 * type), the last nonce and the names that must be sent or resolved; receives decoded
 * DeltaDiscoveryRequests and snapshots; emits DeltaDiscoveryResponses in push order, removals
 * last. Subscription changes apply even when the nonce is stale; NACKed versions are not resent.
 */
import type { SnapshotEntry } from '../cache/snapshot';
import { encodeDeltaResponse } from '../cache/wire';
import { PUSH_ORDER, TypeUrl, WILDCARD_TYPES, isServedTypeUrl } from '../type-urls';
import { reconcilePass, type Changed, type Phase } from './diff-mode';
import { checkNames, checkTypeCount, resolveTypeUrl, type DeltaRequest } from './requests';
import { StreamCore, type StreamDeps } from './stream-core';
import { HeldResources } from './held-resources';
import { Subscription, changed } from './subscription';

interface DeltaTypeState {
  readonly sub: Subscription;
  /** name -> version the client holds ("" = holds something we must resend or remove). */
  readonly clientHas: HeldResources<string>;
  lastNonce: string;
  /** What the response with lastNonce carried. */
  lastSent: { readonly version: string; readonly names: readonly string[] };
  /** Names to send (or report removed) at the next opportunity regardless of version. */
  readonly forced: Set<string>;
  /** Diff this type against the whole snapshot next time (new type, or wildcard turned on). */
  fullDiff: boolean;
}

export class DeltaStream {
  private readonly core: StreamCore;
  private readonly types = new Map<string, DeltaTypeState>();
  private reconciledId = 0;

  constructor(
    deps: StreamDeps,
    private readonly fixedTypeUrl?: TypeUrl,
  ) {
    this.core = new StreamCore(deps, () => this.reconcile());
  }

  get streamCore(): StreamCore {
    return this.core;
  }

  handleRequest(req: DeltaRequest): void {
    if (this.core.isClosed()) return;
    const typeUrl = resolveTypeUrl(req.type_url, this.fixedTypeUrl);
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    const initial = req.initial_resource_versions ?? {};
    checkNames([...(req.resource_names_subscribe ?? []), ...unsubscribe, ...Object.keys(initial)], this.core.deps.limits, 'request');
    this.core.attachNode(req.node);
    const subscribe = this.core.intern(typeUrl, req.resource_names_subscribe ?? []);
    let state = this.types.get(typeUrl);
    const first = !state;
    if (!state) state = this.newState(typeUrl, initial);
    this.applySubscription(typeUrl, state, subscribe, unsubscribe, first, initial);
    this.classify(typeUrl, state, req);
    this.reconcile();
  }

  dispose(reason: string): void {
    this.core.dispose(reason);
  }

  /** Per-name state held beyond the snapshot the stream is in step with (memory accounting). */
  retainedNames(): number {
    let n = 0;
    for (const state of this.types.values()) n += state.clientHas.overrideCount();
    return n;
  }

  private newState(typeUrl: string, initial: Readonly<Record<string, string>>): DeltaTypeState {
    checkTypeCount(isServedTypeUrl(typeUrl), this.types.size, this.core.deps.limits);
    const sub = new Subscription(typeUrl, { legacyWildcard: !this.core.grpcClient });
    const state: DeltaTypeState = {
      sub,
      clientHas: new HeldResources<string>((n) => sub.tracks(n), (e) => e.version),
      lastNonce: '',
      lastSent: { version: '', names: [] },
      forced: new Set(),
      fullDiff: true,
    };
    for (const [name, version] of Object.entries(initial)) state.clientHas.set(name, version);
    this.types.set(typeUrl, state);
    return state;
  }

  private applySubscription(
    typeUrl: string,
    state: DeltaTypeState,
    subscribe: readonly string[],
    unsubscribe: readonly string[],
    first: boolean,
    initial: Readonly<Record<string, string>>,
  ): void {
    // Envoy < 1.19 re-subscribed wildcard LDS/CDS by name after a reconnect (envoy#16063).
    const legacyNamedWildcard =
      first && !this.core.grpcClient && WILDCARD_TYPES.has(typeUrl as TypeUrl) && subscribe.length > 0 &&
      !subscribe.includes('*') && subscribe.every((n) => n in initial) && Object.keys(initial).length === subscribe.length;
    if (subscribe.length > 0 || unsubscribe.length > 0) state.clientHas.materialize(); // the tracking rule may change
    const change = state.sub.update(legacyNamedWildcard ? ['*'] : subscribe, unsubscribe, first);
    if (change.wildcardChanged) state.fullDiff = true;
    if (!legacyNamedWildcard) for (const n of subscribe) if (n !== '*') state.forced.add(n);
    for (const n of unsubscribe) {
      if (n === '*') {
        for (const held of state.clientHas.keys()) if (!state.sub.tracks(held)) state.clientHas.delete(held);
      } else if (state.sub.isWildcard()) {
        state.clientHas.set(n, ''); // still covered by the wildcard or not: answer either way
        state.forced.add(n);
      } else {
        state.clientHas.delete(n);
        state.forced.delete(n);
      }
    }
    if (first || changed(change)) this.core.deps.hooks.onSubscription?.(this.core.id, typeUrl, state.sub.describe(), state.sub.isWildcard());
  }

  private classify(typeUrl: string, state: DeltaTypeState, req: DeltaRequest): void {
    const nonce = req.response_nonce ?? '';
    if (nonce === '' || nonce !== state.lastNonce) return; // no ACK/NACK, or a stale one
    const at = this.core.deps.clock.now();
    const { version, names } = state.lastSent;
    if (req.error_detail) {
      this.core.deps.hooks.onNack?.(this.core.id, {
        typeUrl,
        nonce,
        version,
        at,
        errorCode: req.error_detail.code ?? 0,
        errorMessage: req.error_detail.message ?? '',
        rejectedVersion: version,
        rejectedResources: names,
      });
    } else {
      this.core.deps.hooks.onAck?.(this.core.id, { typeUrl, nonce, version, at });
    }
  }

  private reconcile(): void {
    this.reconciledId = reconcilePass(this.core, this.reconciledId, this.types, {
      visit: (typeUrl, state, phase, changed) => {
        this.reconcileType(typeUrl, state, phase, state.fullDiff ? 'all' : changed);
        if (phase === 'remove') state.fullDiff = false;
      },
      rebase: (state, resources) => state.clientHas.rebase(resources),
    });
  }

  private reconcileType(typeUrl: TypeUrl, state: DeltaTypeState, phase: Phase, changed: Changed): void {
    const snapshot = this.core.published!.snapshot;
    const resources = snapshot.resources(typeUrl);
    const upserts: SnapshotEntry[] = [];
    const removed: string[] = [];
    for (const name of candidates(state, changed, resources.keys())) {
      const entry = resources.get(name);
      const tracked = state.sub.tracks(name);
      const held = state.clientHas.get(name);
      if (entry && tracked) {
        if (state.forced.has(name) || held !== entry.version) upserts.push(entry);
      } else if (held !== undefined || (state.forced.has(name) && !entry)) {
        removed.push(name); // vanished, no longer tracked, or subscribed but unknown
      }
    }
    if (phase === 'upsert' && upserts.length > 0) {
      this.send(typeUrl, state, upserts, []);
      this.forceEndpointsOf(typeUrl, upserts);
    } else if (phase === 'remove' && removed.length > 0) {
      this.send(typeUrl, state, [], removed);
    }
  }

  private forceEndpointsOf(typeUrl: TypeUrl, clusters: readonly SnapshotEntry[]): void {
    if (typeUrl !== TypeUrl.Cluster) return;
    const eds = this.types.get(TypeUrl.Endpoint);
    if (!eds) return;
    for (const c of clusters) for (const ref of c.references) if (eds.sub.tracks(ref)) eds.forced.add(ref);
  }

  private send(typeUrl: TypeUrl, state: DeltaTypeState, upserts: readonly SnapshotEntry[], removed: readonly string[]): void {
    for (const e of upserts) {
      state.clientHas.set(e.name, e.version);
      state.forced.delete(e.name);
    }
    for (const n of removed) {
      state.clientHas.delete(n);
      state.forced.delete(n);
    }
    this.emit(typeUrl, state, upserts, upserts.map((e) => e.deltaResourceBytes()), removed);
    if (upserts.some((e) => e.ttlMs !== undefined)) this.core.armHeartbeat(() => this.heartbeat());
  }

  /** Refreshes the TTL of every resource with one that the client holds at its current version. */
  private heartbeat(): boolean {
    let any = false;
    const snapshot = this.core.published!.snapshot;
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (!state) continue;
      const due: SnapshotEntry[] = [];
      for (const [name, version] of state.clientHas.entries()) {
        const e = snapshot.get(typeUrl, name);
        if (e && e.ttlMs !== undefined && e.version === version) due.push(e);
      }
      if (due.length === 0) continue;
      any = true;
      this.emit(typeUrl, state, due, due.map((e) => e.heartbeatBytes()), []);
    }
    return any;
  }

  private emit(typeUrl: TypeUrl, state: DeltaTypeState, upserts: readonly SnapshotEntry[], resources: readonly Uint8Array[], removed: readonly string[]): void {
    const version = this.core.published!.snapshot.version(typeUrl);
    const nonce = this.core.nextNonce();
    const bytes = encodeDeltaResponse({ systemVersionInfo: version, typeUrl, nonce, resources, removed, controlPlaneId: this.core.deps.controlPlaneId });
    state.lastNonce = nonce;
    state.lastSent = { version, names: upserts.map((e) => e.name) };
    this.core.deps.hooks.onResponse?.(this.core.id, { typeUrl, nonce, version, resources: upserts, removed, bytes: bytes.length, at: this.core.deps.clock.now() });
    this.core.write(bytes);
  }
}

/** The names worth examining: everything in a full diff, else what changed plus what is forced. */
function candidates(state: DeltaTypeState, changed: Changed, snapshotNames: Iterable<string>): Set<string> {
  const out = new Set<string>(state.forced);
  if (changed === 'all') {
    if (state.sub.isWildcard()) for (const n of snapshotNames) out.add(n);
    for (const n of state.sub.explicitNames()) out.add(n);
    for (const n of state.clientHas.keys()) out.add(n);
  } else {
    for (const n of changed) if (state.sub.tracks(n) || state.clientHas.has(n)) out.add(n);
  }
  return out;
}
