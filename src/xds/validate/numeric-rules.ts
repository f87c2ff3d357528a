/**
 * Numeric, bool and enum rule families: const, lt/lte/gt/gte (with PGV's exclusive ranges when
 * the lower bound exceeds the upper), in, not_in, ignore_empty, defined_only. Receives a rule
 * object from one field's annotation; emits a ValueCheck. 64-bit kinds compare as bigint.
 */
import type * as protobuf from 'protobufjs';
import { asArray, toBigInt, toNumber, type RuleObject } from './rule-options';
import { allOf, show, type ValueCheck } from './violation';

type Num = number | bigint;

export interface Bounds<T extends Num> {
  readonly lt?: T;
  readonly lte?: T;
  readonly gt?: T;
  readonly gte?: T;
}

export interface RangeFailure {
  /** The PGV rule key that failed: lt, lte, gt, gte, or `range` for an exclusive (outside) range. */
  readonly key: string;
  readonly message: string;
}

/** PGV range semantics: lower < upper means "inside", otherwise the value must lie outside. */
export function checkRange<T extends Num>(v: T, b: Bounds<T>, fmt: (x: T) => string): RangeFailure | undefined {
  const upperKey = b.lt !== undefined ? 'lt' : b.lte !== undefined ? 'lte' : undefined;
  const lowerKey = b.gt !== undefined ? 'gt' : b.gte !== undefined ? 'gte' : undefined;
  const upper = b.lt ?? b.lte;
  const lower = b.gt ?? b.gte;
  const underUpper = upper === undefined || (upperKey === 'lt' ? v < upper : v <= upper);
  const overLower = lower === undefined || (lowerKey === 'gt' ? v > lower : v >= lower);
  if (upper !== undefined && lower !== undefined && upperKey && lowerKey) {
    const lb = lowerKey === 'gt' ? '(' : '[';
    const ub = upperKey === 'lt' ? ')' : ']';
    if (upper > lower) {
      const message = `value must be inside range ${lb}${fmt(lower)}, ${fmt(upper)}${ub}, got ${fmt(v)}`;
      if (!overLower) return { key: lowerKey, message };
      if (!underUpper) return { key: upperKey, message };
      return undefined;
    }
    if (!underUpper && !overLower) {
      const olb = upperKey === 'lt' ? '[' : '(';
      const oub = lowerKey === 'gt' ? ']' : ')';
      return { key: 'range', message: `value must be outside range ${olb}${fmt(upper)}, ${fmt(lower)}${oub}, got ${fmt(v)}` };
    }
    return undefined;
  }
  if (!underUpper && upper !== undefined) {
    const word = upperKey === 'lt' ? 'less than' : 'less than or equal to';
    return { key: upperKey as string, message: `value must be ${word} ${fmt(upper)}, got ${fmt(v)}` };
  }
  if (!overLower && lower !== undefined) {
    const word = lowerKey === 'gt' ? 'greater than' : 'greater than or equal to';
    return { key: lowerKey as string, message: `value must be ${word} ${fmt(lower)}, got ${fmt(v)}` };
  }
  return undefined;
}

const WIDE_KINDS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_KINDS = new Set(['uint64', 'fixed64']);
export const NUMERIC_KINDS = new Set([
  'float', 'double', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64',
]);

/** Builds the converter for one numeric kind: bigint for 64-bit, float32-rounded for float. */
function converter(kind: string): (raw: unknown) => Num | undefined {
  if (WIDE_KINDS.has(kind)) {
    const unsigned = UNSIGNED_KINDS.has(kind);
    return (raw) => {
      const big = toBigInt(raw, unsigned);
      return big === undefined ? undefined : unsigned ? BigInt.asUintN(64, big) : big;
    };
  }
  if (kind === 'float') {
    return (raw) => {
      const n = toNumber(raw);
      return n === undefined ? undefined : Math.fround(n);
    };
  }
  return toNumber;
}

function defined<T>(values: readonly (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

export function compileNumericRules(kind: string, r: RuleObject): ValueCheck {
  const conv = converter(kind);
  const opt = (key: string): Num | undefined => (r[key] === undefined ? undefined : conv(r[key]));
  const constant = opt('const');
  const bounds: Bounds<Num> = { lt: opt('lt'), lte: opt('lte'), gt: opt('gt'), gte: opt('gte') };
  const hasBounds = Object.values(bounds).some((b) => b !== undefined);
  const inList = defined(asArray(r.in).map(conv));
  const notIn = defined(asArray(r.not_in).map(conv));
  const ignoreEmpty = r.ignore_empty === true;
  return (raw, path, out) => {
    const v = conv(raw ?? 0);
    if (v === undefined) {
      out.push({ path, rule: `${kind}.type`, message: `expected a ${kind} value, got ${show(raw)}` });
      return;
    }
    if (ignoreEmpty && (v === 0 || v === 0n)) return;
    if (constant !== undefined && v !== constant) {
      out.push({ path, rule: `${kind}.const`, message: `value must equal ${show(constant)}, got ${show(v)}` });
    }
    if (hasBounds) {
      const failure = checkRange(v, bounds, show);
      if (failure) out.push({ path, rule: `${kind}.${failure.key}`, message: failure.message });
    }
    if (inList.length > 0 && !inList.includes(v)) {
      out.push({ path, rule: `${kind}.in`, message: `value must be in [${inList.map(show).join(', ')}], got ${show(v)}` });
    }
    if (notIn.includes(v)) {
      out.push({ path, rule: `${kind}.not_in`, message: `value must not be in [${notIn.map(show).join(', ')}]` });
    }
  };
}

export function compileBoolRules(r: RuleObject): ValueCheck | undefined {
  if (typeof r.const !== 'boolean') return undefined;
  const expected = r.const;
  return (raw, path, out) => {
    const v = raw === true;
    if (v !== expected) out.push({ path, rule: 'bool.const', message: `value must equal ${expected}, got ${v}` });
  };
}

export function compileEnumRules(r: RuleObject, enumType: protobuf.Enum | undefined): ValueCheck | undefined {
  const checks: ValueCheck[] = [];
  const name = enumType?.fullName.replace(/^\./, '') ?? 'enum';
  if (r.defined_only === true && enumType) {
    checks.push((raw, path, out) => {
      const v = toNumber(raw ?? 0);
      if (v === undefined || enumType.valuesById[v] === undefined) {
        out.push({ path, rule: 'enum.defined_only', message: `value ${show(raw)} is not a defined ${name} value` });
      }
    });
  }
  const others = compileEnumValueRules(r);
  if (others) checks.push(others);
  return allOf(checks);
}

function compileEnumValueRules(r: RuleObject): ValueCheck | undefined {
  const constant = r.const === undefined ? undefined : toNumber(r.const);
  const inList = defined(asArray(r.in).map(toNumber));
  const notIn = defined(asArray(r.not_in).map(toNumber));
  if (constant === undefined && inList.length === 0 && notIn.length === 0) return undefined;
  return (raw, path, out) => {
    const v = toNumber(raw ?? 0);
    if (constant !== undefined && v !== constant) {
      out.push({ path, rule: 'enum.const', message: `value must equal ${constant}, got ${show(v)}` });
    }
    if (inList.length > 0 && (v === undefined || !inList.includes(v))) {
      out.push({ path, rule: 'enum.in', message: `value must be in [${inList.join(', ')}], got ${show(v)}` });
    }
    if (v !== undefined && notIn.includes(v)) {
      out.push({ path, rule: 'enum.not_in', message: `value must not be in [${notIn.join(', ')}], got ${v}` });
    }
  };
}
