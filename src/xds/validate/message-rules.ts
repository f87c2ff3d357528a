/**
 * Per-element rule compilation: picks the rule family from a FieldRules object (scalar kinds,
 * enum, Duration, Timestamp, Any) and records `message.required` / `message.skip`. Scalar rules
 * on a wrapper message (google.protobuf.UInt32Value...) apply to its `value` when it is set.
 */
import * as protobuf from 'protobufjs';
import { compileBoolRules, compileEnumRules, compileNumericRules, NUMERIC_KINDS } from './numeric-rules';
import { asArray, isRecord, ruleObject, type RuleObject } from './rule-options';
import { compileBytesRules, compileStringRules } from './string-rules';
import { compileDurationRules, compileTimestampRules } from './time-rules';
import { allOf, show, type ValueCheck } from './violation';

export interface ElementRules {
  /** Rule name to report when the message is absent (`message.required`, `duration.required`...). */
  readonly required: string | undefined;
  /** `message.skip`: do not descend into the message. */
  readonly skip: boolean;
  /** Checks for a present value (for wrappers: run on the wrapped scalar). */
  readonly check: ValueCheck | undefined;
}

export const NO_RULES: ElementRules = { required: undefined, skip: false, check: undefined };

/** Every FieldRules `type` member this checker knows; anything else is reported once at compile time. */
export const KNOWN_KINDS = new Set([
  ...NUMERIC_KINDS, 'bool', 'string', 'bytes', 'enum', 'repeated', 'map', 'any', 'duration', 'timestamp',
]);

function typeUrlOf(any: unknown): string {
  if (!isRecord(any)) return '';
  const url = any.type_url ?? any.typeUrl;
  return typeof url === 'string' ? url : '';
}

export function compileAnyRules(r: RuleObject): ValueCheck | undefined {
  const inList = asArray(r.in).map(String);
  const notIn = asArray(r.not_in).map(String);
  if (inList.length === 0 && notIn.length === 0) return undefined;
  return (raw, path, out) => {
    const url = typeUrlOf(raw);
    if (inList.length > 0 && !inList.includes(url)) {
      out.push({ path, rule: 'any.in', message: `type URL must be one of [${inList.join(', ')}], got ${show(url)}` });
    }
    if (notIn.includes(url)) out.push({ path, rule: 'any.not_in', message: `type URL must not be ${show(url)}` });
  };
}

function unwrapping(check: ValueCheck | undefined, resolved: protobuf.ReflectionObject | null): ValueCheck | undefined {
  if (check === undefined || !(resolved instanceof protobuf.Type)) return check;
  return (raw, path, out) => check(isRecord(raw) ? raw.value : raw, path, out);
}

function scalarCheck(kind: string, r: RuleObject, resolved: protobuf.ReflectionObject | null): ValueCheck | undefined {
  if (NUMERIC_KINDS.has(kind)) return unwrapping(compileNumericRules(kind, r), resolved);
  if (kind === 'bool') return unwrapping(compileBoolRules(r), resolved);
  if (kind === 'string') return unwrapping(compileStringRules(r), resolved);
  if (kind === 'bytes') return unwrapping(compileBytesRules(r), resolved);
  if (kind === 'enum') return compileEnumRules(r, resolved instanceof protobuf.Enum ? resolved : undefined);
  return undefined;
}

function unknownKindCheck(kind: string): ValueCheck {
  return (_raw, path, out) => {
    out.push({ path, rule: `${kind}.unsupported`, message: `rule family "${kind}" is not known to this checker` });
  };
}

/**
 * Compiles the rules that apply to one value (a singular field, a repeated item, a map key or
 * value). `resolved` is the element's resolved type (Type/Enum) or null for plain scalars.
 */
export function compileElement(rules: RuleObject | undefined, resolved: protobuf.ReflectionObject | null): ElementRules {
  if (rules === undefined) return NO_RULES;
  const message = ruleObject(rules.message);
  let required = message?.required === true ? 'message.required' : undefined;
  const checks: ValueCheck[] = [];
  for (const [kind, raw] of Object.entries(rules)) {
    if (kind === 'message' || kind === 'repeated' || kind === 'map') continue;
    const r = ruleObject(raw) ?? {};
    if (!KNOWN_KINDS.has(kind)) { checks.push(unknownKindCheck(kind)); continue; }
    if (kind === 'duration' || kind === 'timestamp' || kind === 'any') {
      if (r.required === true && required === undefined) required = `${kind}.required`;
      const check = kind === 'duration' ? compileDurationRules(r) : kind === 'timestamp' ? compileTimestampRules(r) : compileAnyRules(r);
      if (check) checks.push(check);
      continue;
    }
    const check = scalarCheck(kind, r, resolved);
    if (check) checks.push(check);
  }
  return { required, skip: message?.skip === true, check: allOf(checks) };
}
