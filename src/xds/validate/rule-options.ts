/**
 * Reads `(validate.*)` annotations off protobufjs reflection objects and converts option and
 * field values (numbers, Longs, durations) into comparable forms. Pure helpers, no caching here.
 */
import type * as protobuf from 'protobufjs';

export type RuleObject = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Repeated option values come back as a scalar when written once; always give an array. */
export function asArray(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function ruleObject(value: unknown): RuleObject | undefined {
  return isRecord(value) ? value : undefined;
}

/** Deep-merges b into a (b wins on scalars, arrays concatenate). */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    if (isRecord(prev) && isRecord(value)) out[key] = merge(prev, value);
    else if (Array.isArray(prev)) out[key] = prev.concat(value);
    else out[key] = value;
  }
  return out;
}

/** Rebuilds a nested object from flattened `(validate.rules).a.b` keys (lossy: protobufjs keeps only some). */
function unflatten(options: Record<string, unknown>, prefix: string): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(options)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const parts = key.slice(prefix.length + 1).split('.');
    let node: Record<string, unknown> = { };
    const top = node;
    for (let i = 0; i < parts.length - 1; i++) {
      const child: Record<string, unknown> = {};
      node[parts[i] as string] = child;
      node = child;
    }
    node[parts[parts.length - 1] as string] = value;
    out = out ? merge(out, top) : top;
  }
  return out;
}

/** The `(validate.rules)` of a field, merged across every occurrence; undefined when none. */
export function fieldRules(field: protobuf.Field): RuleObject | undefined {
  const parsed: unknown = field.parsedOptions;
  let out: Record<string, unknown> | undefined;
  for (const entry of asArray(parsed)) {
    if (!isRecord(entry)) continue;
    const rules = entry['(validate.rules)'];
    if (isRecord(rules)) out = out ? merge(out, rules) : rules;
  }
  if (out === undefined && field.options) out = unflatten(field.options, '(validate.rules)');
  return out;
}

export function hasBoolOption(obj: protobuf.ReflectionObject, name: string): boolean {
  if (obj.options?.[name] === true) return true;
  for (const entry of asArray(obj.parsedOptions as unknown)) {
    if (isRecord(entry) && entry[name] === true) return true;
  }
  return false;
}

interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned?: boolean;
}

function isLongLike(value: unknown): value is LongLike {
  return isRecord(value) && typeof value.low === 'number' && typeof value.high === 'number';
}

/** Any integer-ish value (number, bigint, decimal string, protobufjs Long) as a bigint. */
export function toBigInt(value: unknown, unsigned = false): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? BigInt(Math.trunc(value)) : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  if (isLongLike(value)) {
    const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    return unsigned || value.unsigned === true ? bits : BigInt.asIntN(64, bits);
  }
  return undefined;
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (typeof value === 'bigint') return Number(value);
  if (isLongLike(value)) {
    const big = toBigInt(value);
    return big === undefined ? undefined : Number(big);
  }
  return undefined;
}

export const NANOS_PER_SECOND = 1_000_000_000n;

/** A Duration/Timestamp-shaped value ({seconds, nanos}, `{}` = zero) as total nanoseconds. */
export function secondsNanosToBigInt(value: unknown): bigint | undefined {
  if (!isRecord(value)) return undefined;
  const seconds = value.seconds === undefined || value.seconds === null ? 0n : toBigInt(value.seconds);
  const nanos = value.nanos === undefined || value.nanos === null ? 0n : toBigInt(value.nanos);
  if (seconds === undefined || nanos === undefined) return undefined;
  return seconds * NANOS_PER_SECOND + nanos;
}
