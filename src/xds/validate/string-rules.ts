/**
 * String and bytes rule families. Receives one field's StringRules/BytesRules object; emits a
 * ValueCheck. Lengths: `len`/`min_len`/`max_len` count code points for strings and bytes for
 * bytes; `*_bytes` count UTF-8 bytes. Patterns go through the RE2 translator (best effort).
 */
import { compileRe2 } from './re2-pattern';
import { asArray, toNumber, type RuleObject } from './rule-options';
import { addressError, emailError, headerRegexError, hostnameError, ipError, uriError, uriRefError, uuidError } from './well-known-formats';
import { show, type ValueCheck } from './violation';

type Test<T> = (value: T) => string | undefined;

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n += 1;
    else { n += 1; i += 1; }
  }
  return n;
}

function lengthTests<T>(r: RuleObject, kind: string, keys: readonly [string, string, string], measure: (v: T) => number, unit: string): [string, Test<T>][] {
  const [exactKey, minKey, maxKey] = keys;
  const exact = toNumber(r[exactKey]);
  const min = toNumber(r[minKey]);
  const max = toNumber(r[maxKey]);
  const tests: [string, Test<T>][] = [];
  if (exact !== undefined) tests.push([`${kind}.${exactKey}`, (v) => (measure(v) === exact ? undefined : `value length must be exactly ${exact} ${unit}`)]);
  if (min !== undefined) tests.push([`${kind}.${minKey}`, (v) => (measure(v) >= min ? undefined : `value length must be at least ${min} ${unit}`)]);
  if (max !== undefined) tests.push([`${kind}.${maxKey}`, (v) => (measure(v) <= max ? undefined : `value length must be at most ${max} ${unit}`)]);
  return tests;
}

function patternTest(kind: string, pattern: unknown): [string, Test<string>][] {
  if (typeof pattern !== 'string') return [];
  const compiled = compileRe2(pattern);
  if (!compiled.ok) {
    return [[`${kind}.pattern_unsupported`, () => `pattern ${JSON.stringify(pattern)} cannot be checked in JS: ${compiled.reason}`]];
  }
  return [[`${kind}.pattern`, (v) => (compiled.re.test(v) ? undefined : `value does not match pattern ${JSON.stringify(pattern)}`)]];
}

function wellKnownStringTests(r: RuleObject): [string, Test<string>][] {
  const tests: [string, Test<string>][] = [];
  if (r.email === true) tests.push(['string.email', emailError]);
  if (r.hostname === true) tests.push(['string.hostname', hostnameError]);
  if (r.ip === true) tests.push(['string.ip', (v) => ipError(v, 0)]);
  if (r.ipv4 === true) tests.push(['string.ipv4', (v) => ipError(v, 4)]);
  if (r.ipv6 === true) tests.push(['string.ipv6', (v) => ipError(v, 6)]);
  if (r.uri === true) tests.push(['string.uri', uriError]);
  if (r.uri_ref === true) tests.push(['string.uri_ref', uriRefError]);
  if (r.address === true) tests.push(['string.address', addressError]);
  if (r.uuid === true) tests.push(['string.uuid', uuidError]);
  const known = r.well_known_regex;
  const strict = r.strict !== false;
  if (known === 'HTTP_HEADER_NAME' || known === 1) tests.push(['string.well_known_regex', (v) => headerRegexError('HTTP_HEADER_NAME', strict, v)]);
  if (known === 'HTTP_HEADER_VALUE' || known === 2) tests.push(['string.well_known_regex', (v) => headerRegexError('HTTP_HEADER_VALUE', strict, v)]);
  return tests;
}

function affixTests(r: RuleObject): [string, Test<string>][] {
  const tests: [string, Test<string>][] = [];
  const str = (key: string): string | undefined => (typeof r[key] === 'string' ? (r[key] as string) : undefined);
  const constant = str('const');
  const prefix = str('prefix');
  const suffix = str('suffix');
  const contains = str('contains');
  const notContains = str('not_contains');
  const inList = asArray(r.in).map(String);
  const notIn = asArray(r.not_in).map(String);
  if (constant !== undefined) tests.push(['string.const', (v) => (v === constant ? undefined : `value must equal ${show(constant)}`)]);
  if (prefix !== undefined) tests.push(['string.prefix', (v) => (v.startsWith(prefix) ? undefined : `value must start with ${show(prefix)}`)]);
  if (suffix !== undefined) tests.push(['string.suffix', (v) => (v.endsWith(suffix) ? undefined : `value must end with ${show(suffix)}`)]);
  if (contains !== undefined) tests.push(['string.contains', (v) => (v.includes(contains) ? undefined : `value must contain ${show(contains)}`)]);
  if (notContains !== undefined) tests.push(['string.not_contains', (v) => (v.includes(notContains) ? `value must not contain ${show(notContains)}` : undefined)]);
  if (inList.length > 0) tests.push(['string.in', (v) => (inList.includes(v) ? undefined : `value must be in [${inList.map(show).join(', ')}]`)]);
  if (notIn.length > 0) tests.push(['string.not_in', (v) => (notIn.includes(v) ? `value must not be in [${notIn.map(show).join(', ')}]` : undefined)]);
  return tests;
}

function runner<T>(tests: readonly [string, Test<T>][], accept: (raw: unknown) => T | undefined, ignoreEmpty: (v: T) => boolean): ValueCheck | undefined {
  if (tests.length === 0) return undefined;
  return (raw, path, out) => {
    const v = accept(raw);
    if (v === undefined || ignoreEmpty(v)) return;
    for (const [rule, test] of tests) {
      const message = test(v);
      if (message !== undefined) out.push({ path, rule, message: `${message}, got ${v instanceof Uint8Array ? `<${v.length} bytes>` : show(v)}` });
    }
  };
}

export function compileStringRules(r: RuleObject): ValueCheck | undefined {
  const tests: [string, Test<string>][] = [
    ...lengthTests<string>(r, 'string', ['len', 'min_len', 'max_len'], codePoints, 'characters'),
    ...lengthTests<string>(r, 'string', ['len_bytes', 'min_bytes', 'max_bytes'], (v) => Buffer.byteLength(v, 'utf8'), 'bytes'),
    ...patternTest('string', r.pattern),
    ...affixTests(r),
    ...wellKnownStringTests(r),
  ];
  const ignoreEmpty = r.ignore_empty === true;
  return runner<string>(tests, (raw) => (typeof raw === 'string' ? raw : raw == null ? '' : undefined), (v) => ignoreEmpty && v === '');
}

/** Bytes option literals arrive as JS strings: Latin-1 when every char fits a byte, else UTF-8. */
export function optionBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex -- checking for chars that do not fit one byte
  return /^[\u0000-\u00ff]*$/.test(value) ? Buffer.from(value, 'latin1') : Buffer.from(value, 'utf8');
}

function hasAt(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at < 0 || at + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) return false;
  return true;
}

function bytesIncludes(haystack: Uint8Array, needle: Uint8Array): boolean {
  for (let at = 0; at + needle.length <= haystack.length; at++) if (hasAt(haystack, needle, at)) return true;
  return false;
}

function bytesTests(r: RuleObject): [string, Test<Uint8Array>][] {
  const tests: [string, Test<Uint8Array>][] = [];
  const constant = optionBytes(r.const);
  const prefix = optionBytes(r.prefix);
  const suffix = optionBytes(r.suffix);
  const contains = optionBytes(r.contains);
  const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && hasAt(a, b, 0);
  const inList = asArray(r.in).map(optionBytes).filter((b): b is Uint8Array => b !== undefined);
  const notIn = asArray(r.not_in).map(optionBytes).filter((b): b is Uint8Array => b !== undefined);
  if (constant) tests.push(['bytes.const', (v) => (equal(v, constant) ? undefined : 'value must equal the constant bytes')]);
  if (prefix) tests.push(['bytes.prefix', (v) => (hasAt(v, prefix, 0) ? undefined : 'value must start with the given prefix')]);
  if (suffix) tests.push(['bytes.suffix', (v) => (hasAt(v, suffix, v.length - suffix.length) ? undefined : 'value must end with the given suffix')]);
  if (contains) tests.push(['bytes.contains', (v) => (bytesIncludes(v, contains) ? undefined : 'value must contain the given bytes')]);
  if (inList.length > 0) tests.push(['bytes.in', (v) => (inList.some((b) => equal(v, b)) ? undefined : 'value must be one of the listed byte strings')]);
  if (notIn.length > 0) tests.push(['bytes.not_in', (v) => (notIn.some((b) => equal(v, b)) ? 'value must not be one of the listed byte strings' : undefined)]);
  if (r.ip === true) tests.push(['bytes.ip', (v) => (v.length === 4 || v.length === 16 ? undefined : 'value must be a valid IP address (4 or 16 bytes)')]);
  if (r.ipv4 === true) tests.push(['bytes.ipv4', (v) => (v.length === 4 ? undefined : 'value must be a valid IPv4 address (4 bytes)')]);
  if (r.ipv6 === true) tests.push(['bytes.ipv6', (v) => (v.length === 16 ? undefined : 'value must be a valid IPv6 address (16 bytes)')]);
  return tests;
}

export function compileBytesRules(r: RuleObject): ValueCheck | undefined {
  const utf8 = new TextDecoder('utf-8');
  const pattern = patternTest('bytes', r.pattern).map(([rule, test]): [string, Test<Uint8Array>] => [rule, (v) => test(utf8.decode(v))]);
  const tests: [string, Test<Uint8Array>][] = [
    ...lengthTests<Uint8Array>(r, 'bytes', ['len', 'min_len', 'max_len'], (v) => v.length, 'bytes'),
    ...pattern,
    ...bytesTests(r),
  ];
  const ignoreEmpty = r.ignore_empty === true;
  const accept = (raw: unknown): Uint8Array | undefined => (raw instanceof Uint8Array ? raw : raw == null ? new Uint8Array(0) : optionBytes(raw));
  return runner<Uint8Array>(tests, accept, (v) => ignoreEmpty && v.length === 0);
}
