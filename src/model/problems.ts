/**
 * Problem: one error or warning about user input, as data. Produced by the parser (YAML syntax,
 * wrong field types) and by the translator (limits, references, semantics); never thrown.
 */
import type { ResourceRef } from './keys';

export type Severity = 'error' | 'warning';

export interface Problem {
  readonly severity: Severity;
  /** The object at fault; absent for file-level problems such as YAML syntax errors. */
  readonly ref?: ResourceRef;
  readonly file?: string;
  /** 1-based line of the field (or of the object when the field has no line). */
  readonly line?: number;
  /** Field path such as `spec.healthChecks[0].timeout`; '' for the whole object or file. */
  readonly path: string;
  /**
   * Machine-readable cause. `Invalid` means the object itself breaks a rule and would be refused
   * by the API server or by the peer project; reference reasons (`BackendNotFound`,
   * `RefNotPermitted`, ...) and warning reasons describe its relations and effects.
   */
  readonly reason: string;
  readonly message: string;
}

/** Line of each field path of an object (a Map works; parsers use the compact FieldLines). */
export interface FieldLineLookup {
  get(path: string): number | undefined;
}

/**
 * Field lines stored compactly: a path -> slot table shared by every object with the same field
 * paths (most objects of a folder share a handful of shapes), and this object's lines by slot.
 */
export class FieldLines implements FieldLineLookup {
  constructor(
    private readonly table: ReadonlyMap<string, number>,
    private readonly lines: readonly number[],
  ) {}

  get(path: string): number | undefined {
    const slot = this.table.get(path);
    return slot === undefined ? undefined : this.lines[slot];
  }
}

/** Where an object came from: its file, first line, and the line of each field path. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly fieldLines?: FieldLineLookup;
}

/** The line of `path` in `origin`, falling back to the nearest enclosing field, then the object. */
export function lineOf(origin: Origin | undefined, path: string): number | undefined {
  if (!origin) return undefined;
  let p = path;
  while (p) {
    const line = origin.fieldLines?.get(p);
    if (line !== undefined) return line;
    p = parentPath(p);
  }
  return origin.line;
}

function parentPath(path: string): string {
  const dot = path.lastIndexOf('.');
  const bracket = path.lastIndexOf('[');
  const cut = Math.max(dot, bracket);
  return cut <= 0 ? '' : path.slice(0, cut);
}
