/**
 * ProblemLog: one log line per error or warning that the previous reconcile did not have (by
 * content), and one line counting the problems resolved since. Receives each reconcile's problem
 * list; follows it by its changes (problems are compared by identity first), so a reconcile costs
 * what changed. Never changes or keeps more than the last list and its signatures.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import { refKey } from '../model/keys';
import type { Problem } from '../model/problems';

export class ProblemLog {
  private list: readonly Problem[] = [];
  /** Signatures of `list` (a SHA-1 of every field: problems carry long messages), with how many of its problems have each. */
  private readonly counts = new Map<string, number>();
  private readonly signatures = new WeakMap<Problem, string>();

  constructor(private readonly logger: Logger) {}

  update(problems: readonly Problem[]): void {
    const { added, removed } = changes(this.list, problems);
    const fresh = added.filter((p) => !this.counts.has(this.signature(p)));
    for (const p of added) this.counts.set(this.signature(p), (this.counts.get(this.signature(p)) ?? 0) + 1);
    let resolved = 0;
    for (const p of removed) {
      const s = this.signature(p);
      const n = (this.counts.get(s) ?? 0) - 1;
      if (n > 0) this.counts.set(s, n);
      else if (this.counts.delete(s)) resolved++;
    }
    this.list = problems;
    for (const p of fresh) {
      const fields = problemFields(p);
      if (p.severity === 'error') this.logger.error(p.message, fields);
      else this.logger.warn(p.message, fields);
    }
    if (resolved > 0) this.logger.info('problems resolved', { count: resolved });
  }

  private signature(p: Problem): string {
    let s = this.signatures.get(p);
    if (s === undefined) {
      const text = [p.severity, p.ref ? refKey(p.ref) : '', p.file ?? '', p.line ?? '', p.path, p.reason, p.message].join('\u0000');
      this.signatures.set(p, (s = createHash('sha1').update(text).digest('base64')));
    }
    return s;
  }
}

/** Items of `next` not in `prev` (in `next` order) and the reverse, by identity; common ends skipped. */
function changes<T>(prev: readonly T[], next: readonly T[]): { added: T[]; removed: T[] } {
  const n = Math.min(prev.length, next.length);
  let head = 0;
  while (head < n && prev[head] === next[head]) head++;
  let tail = 0;
  while (tail < n - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const left = new Map<T, number>();
  for (let i = head; i < prev.length - tail; i++) left.set(prev[i] as T, (left.get(prev[i] as T) ?? 0) + 1);
  const added: T[] = [];
  for (let i = head; i < next.length - tail; i++) {
    const x = next[i] as T;
    const k = left.get(x) ?? 0;
    if (k > 0) left.set(x, k - 1);
    else added.push(x);
  }
  const removed: T[] = [];
  for (const [x, k] of left) for (let j = 0; j < k; j++) removed.push(x);
  return { added, removed };
}

function problemFields(p: Problem): Record<string, unknown> {
  return {
    ...(p.ref ? { resource: refKey(p.ref) } : {}),
    ...(p.file !== undefined ? { file: p.file + (p.line !== undefined ? `:${p.line}` : '') } : {}),
    ...(p.path ? { path: p.path } : {}),
    reason: p.reason,
  };
}
