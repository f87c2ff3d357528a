/**
 * Shared shapes for the PGV checker: a Violation (where, which rule, why) and the compiled
 * per-value check signature every rule family produces.
 */

/** One broken rule: `path` like `health_checks[0].timeout`, `rule` like `duration.required`. */
export interface Violation {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** A compiled check for one value; it appends what it finds to `out` and never throws. */
export type ValueCheck = (value: unknown, path: string, out: Violation[]) => void;

/** Runs several checks in order as one. */
export function allOf(checks: readonly ValueCheck[]): ValueCheck | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (value, path, out) => {
    for (const check of checks) check(value, path, out);
  };
}

/** Short printable form of a value for violation messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
  }
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}
