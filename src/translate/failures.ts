/**
 * TranslationFailure: an error or warning about one input object, as data (never thrown), with
 * the file and line of the field when the object came from a file. Report collects them during one
 * translation; `invalidRefs()` tells which objects break their own rules (reason `Invalid`).
 */
import { refKey, compareRefs, type ResourceRef } from '../model/keys';
import { lineOf, type Problem } from '../model/problems';
import type { AnyResource } from '../model/resources';

export type TranslationFailure = Problem & { readonly ref: ResourceRef };

export const INVALID = 'Invalid';

export function refOf(obj: AnyResource): ResourceRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

export class Report {
  private readonly items: TranslationFailure[] = [];
  private readonly byKey = new Map<string, TranslationFailure[]>();

  error(obj: AnyResource, path: string, message: string, reason: string = INVALID): void {
    this.add('error', obj, path, reason, message);
  }

  warn(obj: AnyResource, path: string, reason: string, message: string): void {
    this.add('warning', obj, path, reason, message);
  }

  /** Errors (reason Invalid) recorded so far for this object, under `pathPrefix`. */
  hasErrors(obj: AnyResource, pathPrefix = ''): boolean {
    return this.of(obj).some((f) => f.severity === 'error' && within(f.path, pathPrefix));
  }

  /** Numbers of errors and warnings recorded for this object. */
  counts(obj: AnyResource): { errors: number; warnings: number } {
    const mine = this.of(obj);
    const errors = mine.filter((f) => f.severity === 'error').length;
    return { errors, warnings: mine.length - errors };
  }

  private of(obj: AnyResource): readonly TranslationFailure[] {
    return this.byKey.get(refKey(refOf(obj))) ?? [];
  }

  /** Failures sorted by object (kind, namespace, name), keeping emission order within an object. */
  list(): TranslationFailure[] {
    return this.items.map((f, i) => ({ f, i })).sort((a, b) => compareRefs(a.f.ref, b.f.ref) || a.i - b.i).map((x) => x.f);
  }

  private add(severity: Problem['severity'], obj: AnyResource, path: string, reason: string, message: string): void {
    const line = lineOf(obj.origin, path);
    const failure: TranslationFailure = {
      severity,
      ref: refOf(obj),
      ...(obj.origin ? { file: obj.origin.file } : {}),
      ...(line !== undefined ? { line } : {}),
      path,
      reason,
      message,
    };
    this.items.push(failure);
    const key = refKey(failure.ref);
    const list = this.byKey.get(key);
    if (list) list.push(failure);
    else this.byKey.set(key, [failure]);
  }
}

/** Whether `path` is `prefix` or a field below it (`a.b`, `a[0]`), never a sibling like `a[10]` for `a[1]`. */
function within(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Keys (`Kind/ns/name`) of objects that break their own rules and would be refused at admission. */
export function invalidRefs(failures: readonly TranslationFailure[]): Set<string> {
  return new Set(failures.filter((f) => f.severity === 'error' && f.reason === INVALID).map((f) => refKey(f.ref)));
}
