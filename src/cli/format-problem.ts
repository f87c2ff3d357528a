/**
 * One line per problem, the way `validate` prints them and `translate` reports them on stderr:
 * `file:line: error: Kind/namespace/name spec.path: message (Reason)`. Pure.
 */
import { compareRefs, refKey } from '../model/keys';
import type { Problem } from '../model/problems';

export function formatProblem(p: Problem): string {
  const where = p.file !== undefined ? `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ` : '';
  const what = [p.ref ? refKey(p.ref) : '', p.path].filter((s) => s !== '').join(' ');
  return `${where}${p.severity}: ${what !== '' ? `${what}: ` : ''}${p.message} (${p.reason})`;
}

/** File order, then line, then object; problems without a file first. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      cmp(a.file ?? '', b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.ref && b.ref ? compareRefs(a.ref, b.ref) : a.ref ? 1 : b.ref ? -1 : 0) ||
      cmp(a.path, b.path),
  );
}

/** `2 errors, 1 warning` */
export function countLine(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
