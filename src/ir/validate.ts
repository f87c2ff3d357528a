/**
 * validateIr(): every broken invariant of an IR value, with its path (`backends[name].field`).
 * The translator should never produce one; this is the last gate before Envoy or the native proxy
 * sees the IR, and what stage-2 goldens run on their hand-written inputs. Pure; never throws.
 * With an IrValidationCache (validate-cache.ts), validating an IR again costs in proportion to
 * what changed since the last one; the result is the same.
 */
import { validateBackend, validateListener, type IrError } from './checks';
import type { Ir } from './types';
import { validateWithCache, type IrValidationCache } from './validate-cache';

export type { IrError } from './checks';
export { IrValidationCache } from './validate-cache';

export function validateIr(ir: Ir, cache?: IrValidationCache): IrError[] {
  if (cache) return validateWithCache(ir, cache);
  const errors: IrError[] = [];
  const backendNames = new Set<string>();
  for (const b of ir.backends) {
    if (backendNames.has(b.name)) errors.push({ path: `backends[${b.name}]`, message: 'duplicate backend name' });
    backendNames.add(b.name);
    validateBackend(b, `backends[${b.name}]`, errors);
  }
  const listenerNames = new Set<string>();
  for (const l of ir.listeners) {
    if (listenerNames.has(l.name)) errors.push({ path: `listeners[${l.name}]`, message: 'duplicate listener name' });
    listenerNames.add(l.name);
    validateListener(l, (name) => backendNames.has(name), errors);
  }
  return errors;
}
