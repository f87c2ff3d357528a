/**
 * GET /status: every input resource with where it came from (file:line), its conditions
 * (Accepted, ResolvedRefs, ... with reasons), its errors and warnings and whether its current or
 * last valid version is served; plus file-level problems and the snapshot outcome. Receives the
 * reconciler's last ReconcileReport; emits JSON. Never changes what it reports on.
 */
import { refKey, compareRefs, type ResourceRef } from '../model/keys';
import type { Problem } from '../model/problems';
import type { ReconcileReport, SnapshotOutcome } from '../reconcile/reconciler';
import type { Condition, ListenerStatus, PolicyAncestorStatus, RouteParentStatus } from '../translate/status';
import type { AdminHandler } from './admin-server';

export interface ProblemView {
  readonly file?: string;
  readonly line?: number;
  readonly path: string;
  readonly reason: string;
  readonly message: string;
}

export interface FileProblemView extends ProblemView {
  readonly severity: Problem['severity'];
}

export interface ResourceView {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  /** current: this version is served; lastValid: it is invalid and its last valid version is; rejected: nothing is. */
  readonly served: 'current' | 'lastValid' | 'rejected';
  /** Where the version served instead comes from (served: lastValid). */
  readonly servedFrom?: { readonly file?: string; readonly line?: number };
  readonly conditions: readonly Condition[];
  readonly parents?: readonly RouteParentStatus[];
  readonly listeners?: readonly ListenerStatus[];
  readonly ancestors?: readonly PolicyAncestorStatus[];
  readonly errors: readonly ProblemView[];
  readonly warnings: readonly ProblemView[];
}

export interface StatusView {
  /** Store version reconciled (increases with every input change). */
  readonly generation: number;
  readonly reconciledAt: string;
  readonly snapshot: SnapshotOutcome;
  readonly summary: { readonly resources: number; readonly errors: number; readonly warnings: number };
  readonly resources: readonly ResourceView[];
  /** Problems that name no resource: YAML syntax, unreadable files, unknown kinds, objects without a name. */
  readonly files: readonly FileProblemView[];
}

interface Entry {
  ref: ResourceRef;
  file?: string;
  line?: number;
  present: boolean;
  errors: ProblemView[];
  warnings: ProblemView[];
}

/** Builds the /status document from a reconcile report. */
export function statusView(report: ReconcileReport): StatusView {
  const entries = new Map<string, Entry>();
  const entryOf = (ref: ResourceRef): Entry => {
    const key = refKey(ref);
    let e = entries.get(key);
    if (!e) entries.set(key, (e = { ref, present: false, errors: [], warnings: [] }));
    return e;
  };
  for (const o of report.objects) {
    const e = entryOf({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
    if (e.present) continue; // a duplicate: the first definition is the one used
    e.present = true;
    if (o.origin) Object.assign(e, { file: o.origin.file, line: o.origin.line });
  }
  const files: FileProblemView[] = [];
  for (const p of report.problems) {
    if (!p.ref) {
      files.push({ severity: p.severity, ...problemView(p) });
      continue;
    }
    const e = entryOf(p.ref);
    if (e.file === undefined && p.file !== undefined) Object.assign(e, { file: p.file, ...(p.line !== undefined ? { line: p.line } : {}) });
    (p.severity === 'error' ? e.errors : e.warnings).push(problemView(p));
  }
  const statuses = new Map(report.statuses.map((s) => [refKey(s.ref), s]));
  const resources = [...entries.values()].sort((a, b) => compareRefs(a.ref, b.ref)).map((e) => resourceView(e, report, statuses.get(refKey(e.ref))));
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  return {
    generation: report.generation,
    reconciledAt: new Date(report.reconciledAt).toISOString(),
    snapshot: report.snapshot,
    summary: { resources: resources.length, errors, warnings: report.problems.length - errors },
    resources,
    files,
  };
}

function resourceView(e: Entry, report: ReconcileReport, status: ReconcileReport['statuses'][number] | undefined): ResourceView {
  const last = report.lastValid.get(refKey(e.ref));
  const invalid = e.errors.some((p) => p.reason === 'Invalid');
  const served = last ? 'lastValid' : invalid || !e.present ? 'rejected' : 'current';
  return {
    ...e.ref,
    ...(e.file !== undefined ? { file: e.file } : {}),
    ...(e.line !== undefined ? { line: e.line } : {}),
    served,
    ...(last ? { servedFrom: { file: last.origin?.file, line: last.origin?.line } } : {}),
    conditions: status?.conditions ?? [],
    ...(status?.parents ? { parents: status.parents } : {}),
    ...(status?.listeners ? { listeners: status.listeners } : {}),
    ...(status?.ancestors ? { ancestors: status.ancestors } : {}),
    errors: e.errors,
    warnings: e.warnings,
  };
}

function problemView(p: Problem): ProblemView {
  return {
    ...(p.file !== undefined ? { file: p.file } : {}),
    ...(p.line !== undefined ? { line: p.line } : {}),
    path: p.path,
    reason: p.reason,
    message: p.message,
  };
}

/**
 * GET /status. Query: ?kind=K, ?namespace=NS, ?name=N keep matching resources; ?problems=true
 * keeps only resources with errors or warnings. 503 before the first reconcile.
 */
export function statusHandler(report: () => ReconcileReport | undefined): AdminHandler {
  return (req) => {
    const current = report();
    if (!current) return { status: 503, body: 'no resources reconciled yet\n' };
    const only = req.query.get('problems');
    if (only !== null && only !== 'true' && only !== 'false') return { status: 400, body: `problems must be true or false, not "${only}"\n` };
    const view = statusView(current);
    const kind = req.query.get('kind');
    const namespace = req.query.get('namespace');
    const name = req.query.get('name');
    const resources = view.resources.filter(
      (r) =>
        (kind === null || r.kind === kind) &&
        (namespace === null || r.namespace === namespace) &&
        (name === null || r.name === name) &&
        (only !== 'true' || r.errors.length + r.warnings.length > 0),
    );
    return { status: 200, body: { ...view, resources } };
  };
}
