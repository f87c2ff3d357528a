/**
 * Reconciler: the one module that calls across stages. Receives the store's 'changed' events
 * (Holdoff); runs translate -> IR checks -> onIr -> toXdsResources -> snapshot -> SnapshotCache,
 * each with its cache so a reconcile costs what changed; emits a ReconcileReport and one log line
 * per new problem. Keeps the last good: invalid objects served in their last valid version, a
 * failing snapshot leaves the previous one live. Never reads files nor mutates what it receives.
 */
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { IrValidationCache, validateIr as defaultValidateIr, type IrError } from '../ir/validate';
import type { Ir } from '../ir/types';
import { refKey } from '../model/keys';
import type { Problem } from '../model/problems';
import { toInputResources, type AnyResource, type InputResources } from '../model/resources';
import type { ResourceStore, StoreState } from '../sources/store';
import type { ResourceStatus } from '../translate/status';
import { TranslationCache, type TranslationResult } from '../translate/translate';
import { DEFAULT_GROUP } from '../xds/cache/node-hash';
import type { Snapshot } from '../xds/cache/snapshot';
import type { SetSnapshotResult } from '../xds/cache/snapshot-cache';
import { ProtoShapeError } from '../xds/proto';
import type { XdsResources } from '../xds/snapshot-builder';
import { XdsCache } from '../xds/translate';
import { Holdoff } from './holdoff';
import { invalidKeys, LastValid } from './last-valid';
import { ProblemLog } from './problem-log';
import { SnapshotMemo } from './snapshot-memo';

/** The reconciler passes its own cache: hand it to translateInputs() so a change costs what it changes. */
export type TranslateFn = (inputs: InputResources, cache?: TranslationCache) => TranslationResult;
/** The reconciler passes its own cache: hand it to toXdsResources(). */
export type ToXdsFn = (ir: Ir, cache?: XdsCache) => XdsResources;
/** The native proxy runtime's seam: called with every IR that passed the checks. */
export type IrListener = (ir: Ir) => void;

export type SnapshotOutcome =
  | { readonly status: 'none' }
  | { readonly status: 'published' | 'unchanged'; readonly id: number; readonly resources: number }
  | { readonly status: 'rejected'; readonly code: 'HP_SNAPSHOT_INVALID' | 'HP_SNAPSHOT_INCONSISTENT'; readonly problems: readonly string[]; readonly servedId: number | undefined };

export interface ReconcileTimings {
  readonly translateMs: number;
  readonly xdsMs: number;
  readonly totalMs: number;
}

/** What one reconcile saw and did (the data behind GET /status). */
export interface ReconcileReport {
  /** Store version reconciled. */
  readonly generation: number;
  readonly reconciledAt: number;
  /** Every object currently in the store. */
  readonly objects: readonly AnyResource[];
  /** Read/parse problems and translation failures (failures of substituted objects are the current version's). */
  readonly problems: readonly Problem[];
  readonly statuses: readonly ResourceStatus[];
  /** Objects served in their last valid version instead of the current one, by `Kind/ns/name`. */
  readonly lastValid: ReadonlyMap<string, AnyResource>;
  readonly snapshot: SnapshotOutcome;
  readonly timings: ReconcileTimings;
}

export interface ReconcilerOptions {
  readonly store: ResourceStore;
  readonly cache: { setSnapshot(group: string, snapshot: Snapshot): SetSnapshotResult };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly translate: TranslateFn;
  readonly toXds: ToXdsFn;
  readonly onIr?: IrListener;
  readonly group?: string;
  readonly validateIr?: (ir: Ir) => IrError[];
  /** Default: buildSnapshot() through a SnapshotMemo (only changed resources are encoded again). */
  readonly buildSnapshot?: (resources: XdsResources) => Snapshot;
  /** Holdoff after the last store change (default 0 ms: the same tick's changes coalesce) and at most (default 1 s). */
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  /** Called with every reconcile's report, last (the Kubernetes status writer's seam). */
  readonly onReport?: (report: ReconcileReport) => void;
}

interface Translated {
  readonly served: readonly AnyResource[];
  readonly result: TranslationResult;
  readonly problems: readonly Problem[];
  readonly statuses: readonly ResourceStatus[];
  readonly substituted: ReadonlyMap<string, AnyResource>;
}

export class Reconciler {
  private readonly holdoff: Holdoff;
  private readonly lastValid = new LastValid();
  private readonly build: (resources: XdsResources) => Snapshot;
  private readonly translationCache = new TranslationCache();
  private readonly xdsCache = new XdsCache();
  private readonly irCache = new IrValidationCache();
  private readonly problemLog: ProblemLog;
  private unsubscribe: (() => void) | undefined;
  private report: ReconcileReport | undefined;
  private servedId: number | undefined;
  private loggedSnapshotError = '';
  private runs = 0;

  constructor(private readonly options: ReconcilerOptions) {
    this.holdoff = new Holdoff(options.clock, options.delayMs ?? 0, options.maxDelayMs ?? 1000);
    this.problemLog = new ProblemLog(options.logger);
    const memo = new SnapshotMemo();
    this.build = options.buildSnapshot ?? ((resources) => memo.build(resources));
  }

  /** Subscribes to the store and reconciles what it holds now (synchronously). */
  start(): ReconcileReport {
    this.unsubscribe ??= this.options.store.on('changed', () => this.holdoff.trigger(() => this.reconcile()));
    this.holdoff.cancel();
    return this.reconcile();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.holdoff.cancel();
  }

  /** The last reconcile's report (undefined before the first). */
  lastReport(): ReconcileReport | undefined {
    return this.report;
  }

  /** How many reconciles have run. */
  get sequence(): number {
    return this.runs;
  }

  /** Runs a pending reconcile now, if any. */
  flush(): void {
    this.holdoff.flush();
  }

  /** Translates the store's current content and publishes it; never throws for bad input. */
  reconcile(): ReconcileReport {
    const { clock } = this.options;
    const started = clock.now();
    const state = this.options.store.state();
    const translated = this.translate(state);
    const translatedAt = clock.now();
    const snapshot = this.publish(translated.result.ir);
    const done = clock.now();
    this.runs++;
    this.report = {
      generation: state.version,
      reconciledAt: done,
      objects: state.objects,
      problems: translated.problems,
      statuses: translated.statuses,
      lastValid: translated.substituted,
      snapshot,
      timings: { translateMs: translatedAt - started, xdsMs: done - translatedAt, totalMs: done - started },
    };
    this.problemLog.update(translated.problems);
    this.options.onReport?.(this.report);
    return this.report;
  }

  /** Translates; when objects are invalid and have a last valid version, translates again with those. */
  private translate(state: StoreState): Translated {
    const first = this.options.translate(state.inputs, this.translationCache);
    const parseProblems = state.problems;
    const all = [...parseProblems, ...first.failures];
    const invalid = invalidKeys(all);
    const { objects, substituted } = this.lastValid.substitute(state.objects, invalid);
    if (substituted.size === 0) {
      this.lastValid.record(state.objects, invalid);
      return { served: state.objects, result: first, problems: all, statuses: first.statuses, substituted };
    }
    const second = this.options.translate(toInputResources(objects), this.translationCache);
    this.lastValid.record(objects, invalidKeys(second.failures));
    const isSubstituted = (p: { readonly ref?: { kind: string; namespace: string; name: string } }): boolean => p.ref !== undefined && substituted.has(refKey(p.ref));
    const kept = [...substituted.values()].map(keptWarning);
    const problems = [...parseProblems, ...first.failures.filter(isSubstituted), ...kept, ...second.failures.filter((f) => !isSubstituted(f))];
    const statuses = [...first.statuses.filter(isSubstituted), ...second.statuses.filter((s) => !isSubstituted(s))];
    statuses.sort((a, b) => (refKey(a.ref) < refKey(b.ref) ? -1 : refKey(a.ref) > refKey(b.ref) ? 1 : 0));
    return { served: objects, result: second, problems, statuses, substituted };
  }

  /** IR checks, the onIr hook, Envoy resources, snapshot; any failure keeps the served snapshot. */
  private publish(ir: Ir): SnapshotOutcome {
    const { options } = this;
    const irErrors = options.validateIr ? options.validateIr(ir) : defaultValidateIr(ir, this.irCache);
    if (irErrors.length > 0) return this.rejected('HP_SNAPSHOT_INVALID', irErrors.map((e) => `IR ${e.path}: ${e.message}`));
    if (options.onIr) {
      try {
        options.onIr(ir);
      } catch (err) {
        options.logger.error('the IR listener failed', { err });
      }
    }
    let snapshot: Snapshot;
    try {
      snapshot = this.build(options.toXds(ir, this.xdsCache));
    } catch (err) {
      return this.rejected('HP_SNAPSHOT_INVALID', err instanceof ProtoShapeError ? [...err.problems] : [(err as Error).message]);
    }
    const result = options.cache.setSnapshot(options.group ?? DEFAULT_GROUP, snapshot);
    if (result.status === 'rejected') return this.rejected('HP_SNAPSHOT_INCONSISTENT', result.problems);
    this.servedId = result.id;
    if (this.loggedSnapshotError !== '') options.logger.info('snapshot published again after a rejected one', { snapshot: result.id });
    this.loggedSnapshotError = '';
    if (result.status === 'published') options.logger.info('snapshot published', { snapshot: result.id, resources: snapshot.size() });
    return { status: result.status, id: result.id, resources: snapshot.size() };
  }

  private rejected(code: 'HP_SNAPSHOT_INVALID' | 'HP_SNAPSHOT_INCONSISTENT', problems: readonly string[]): SnapshotOutcome {
    const signature = `${code}:${problems.join('\n')}`;
    if (signature !== this.loggedSnapshotError) {
      this.options.logger.error('snapshot not published; the last good one stays served', { code, problems: problems.slice(0, 20), count: problems.length, served: this.servedId });
      this.loggedSnapshotError = signature;
    }
    return { status: 'rejected', code, problems, servedId: this.servedId };
  }
}

function keptWarning(last: AnyResource): Problem {
  const where = last.origin ? ` (${last.origin.file}:${last.origin.line})` : '';
  return {
    severity: 'warning',
    ref: { kind: last.kind, namespace: last.metadata.namespace, name: last.metadata.name },
    ...(last.origin ? { file: last.origin.file, line: last.origin.line } : {}),
    path: '',
    reason: 'LastValidServed',
    message: `the current version is invalid; its last valid version${where} stays served until it is fixed`,
  };
}


