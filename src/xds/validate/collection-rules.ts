/**
 * Repeated and map rule families at the container level: min/max items and pairs, `unique`,
 * `no_sparse`, `ignore_empty`. Item, key and value rules are compiled as elements elsewhere;
 * this file also turns protobufjs map keys (always strings, 64-bit ones hashed) into values.
 */
import * as protobuf from 'protobufjs';
import { isRecord, toBigInt, toNumber, type RuleObject } from './rule-options';
import { type ValueCheck } from './violation';

function countCheck(rule: string, min: number | undefined, max: number | undefined, noun: string): ValueCheck | undefined {
  if (min === undefined && max === undefined) return undefined;
  return (raw, path, out) => {
    const n = typeof raw === 'number' ? raw : 0;
    if (min !== undefined && n < min) out.push({ path, rule: `${rule}.min_${noun}`, message: `value must contain at least ${min} ${noun}, got ${n}` });
    if (max !== undefined && n > max) out.push({ path, rule: `${rule}.max_${noun}`, message: `value must contain at most ${max} ${noun}, got ${n}` });
  };
}

/** A stable identity for `unique`: scalars by value, bytes by hex, messages by their encoding. */
function identity(item: unknown, type: protobuf.Type | undefined): string {
  if (item instanceof Uint8Array) return `b:${Buffer.from(item).toString('hex')}`;
  if (type && isRecord(item)) return `m:${Buffer.from(type.encode(item).finish()).toString('hex')}`;
  const big = typeof item === 'object' ? toBigInt(item) : undefined;
  if (big !== undefined) return `n:${big}`;
  return `${typeof item}:${String(item)}`;
}

export interface ContainerRules {
  /** Runs on the whole array/map object; undefined when there is nothing to check. */
  readonly check: ValueCheck | undefined;
  /** `ignore_empty`: an empty container skips every rule, item rules included. */
  readonly ignoreEmpty: boolean;
}

export function compileRepeatedRules(r: RuleObject, itemType: protobuf.Type | undefined): ContainerRules {
  const counts = countCheck('repeated', toNumber(r.min_items), toNumber(r.max_items), 'items');
  const unique = r.unique === true;
  if (!counts && !unique) return { check: undefined, ignoreEmpty: r.ignore_empty === true };
  const check: ValueCheck = (raw, path, out) => {
    const items = Array.isArray(raw) ? raw : [];
    counts?.(items.length, path, out);
    if (!unique) return;
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const key = identity(item, itemType);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else out.push({ path: `${path}[${i}]`, rule: 'repeated.unique', message: `repeated value must contain unique items; duplicates item ${first}` });
    });
  };
  return { check, ignoreEmpty: r.ignore_empty === true };
}

export function compileMapRules(r: RuleObject): ContainerRules {
  const counts = countCheck('map', toNumber(r.min_pairs), toNumber(r.max_pairs), 'pairs');
  const noSparse = r.no_sparse === true;
  if (!counts && !noSparse) return { check: undefined, ignoreEmpty: r.ignore_empty === true };
  const check: ValueCheck = (raw, path, out) => {
    const entries = isRecord(raw) ? Object.entries(raw) : [];
    counts?.(entries.length, path, out);
    if (!noSparse) return;
    for (const [key, value] of entries) {
      if (value === null || value === undefined) {
        out.push({ path: `${path}[${JSON.stringify(key)}]`, rule: 'map.no_sparse', message: 'map values must not be unset' });
      }
    }
  };
  return { check, ignoreEmpty: r.ignore_empty === true };
}

const LONG_KEY_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** protobufjs keys maps by string; give rules the typed key (bool, number, bigint or string). */
export function mapKeyValue(key: string, keyType: string): unknown {
  if (keyType === 'string') return key;
  if (keyType === 'bool') return key === 'true';
  if (LONG_KEY_TYPES.has(keyType)) {
    if (protobuf.util.Long && key.length === 8) {
      const bits = protobuf.util.LongBits.fromHash(key);
      return toBigInt({ low: bits.lo, high: bits.hi, unsigned: keyType === 'uint64' || keyType === 'fixed64' });
    }
    return toBigInt(key);
  }
  return Number(key);
}

/** Path segment for a map entry: `name["key"]` for strings, `name[42]` otherwise. */
export function mapKeyPath(path: string, key: unknown): string {
  return typeof key === 'string' ? `${path}[${JSON.stringify(key)}]` : `${path}[${String(key)}]`;
}
