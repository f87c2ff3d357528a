/**
 * Envoy's JSON form of our protos (what Envoy's /config_dump prints): snake_case field names, the
 * proto3 JSON mapping for well-known types ("5s" durations, bare wrappers, expanded Any, Struct as
 * JSON, RFC 3339 timestamps), enums by name, 64-bit integers as strings, bytes as base64, defaults
 * omitted. Receives messages (objects or bytes) or JSON; emits JSON or encodeMessage-ready objects.
 * Never guesses: malformed JSON throws EnvoyJsonError naming the field path.
 */
import * as protobuf from 'protobufjs';
import { encodeMessage, messageType, typeNameOfUrl } from './proto';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

/** A JSON document that does not fit the message schema; `path` is e.g. `health_checks[0].timeout`. */
export class EnvoyJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || '(root)'}: ${reason}`);
    this.name = 'EnvoyJsonError';
  }
}

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((t) => `.google.protobuf.${t}Value`),
);
const SPECIAL_JSON = new Set([
  ...WRAPPERS,
  ...['Duration', 'Timestamp', 'Struct', 'Value', 'ListValue', 'FieldMask', 'Any'].map((t) => `.google.protobuf.${t}`),
]);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);

/** The Envoy JSON of a message given as a plain (encodeMessage-style) object or as wire bytes. */
export function toEnvoyJson(fullName: string, valueOrBytes: Uint8Array | object): unknown {
  const type = messageType(fullName);
  const bytes = valueOrBytes instanceof Uint8Array ? valueOrBytes : encodeMessage(fullName, valueOrBytes);
  return messageToJson(type, type.decode(bytes) as unknown as Obj);
}

/** The inverse of toEnvoyJson: an object encodeMessage accepts. Also accepts lowerCamelCase keys. */
export function fromEnvoyJson(fullName: string, json: unknown): Obj {
  return jsonToMessage(messageType(fullName), json, '');
}

// ---------------------------------------------------------------- message -> JSON

function messageToJson(type: protobuf.Type, msg: Obj): Json {
  const special = specialToJson(type, msg);
  if (special !== undefined) return special;
  const out: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const v = msg[field.name];
    if (!isPresent(field, msg, v)) continue;
    if (field.map) {
      const entries = Object.entries(v as Obj).map(([k, e]): [string, Json] => [mapKeyToJson(field, k), valueToJson(field, e)]);
      out[field.name] = Object.fromEntries(entries);
    } else if (field.repeated) out[field.name] = (v as unknown[]).map((e) => valueToJson(field, e));
    else out[field.name] = valueToJson(field, v);
  }
  return out;
}

function isPresent(field: protobuf.Field, msg: Obj, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (field.map) return Object.keys(v as Obj).length > 0;
  if (field.repeated) return (v as unknown[]).length > 0;
  if (field.partOf) return Object.prototype.hasOwnProperty.call(msg, field.name);
  if (field.resolvedType instanceof protobuf.Type) return true;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length > 0; // bytes (default: a frozen [])
  if (typeof v === 'object') return String(v) !== '0'; // Long
  return v !== 0 && v !== '' && v !== false;
}

function mapKeyToJson(field: protobuf.Field, key: string): string {
  const keyType = (field as unknown as protobuf.MapField).keyType;
  if (LONG_TYPES.has(keyType) && key.length === 8) {
    return protobuf.util.LongBits.fromHash(key).toLong(keyType.startsWith('u') || keyType === 'fixed64').toString();
  }
  return key;
}

function valueToJson(field: protobuf.Field, v: unknown): Json {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Obj);
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === '.google.protobuf.NullValue') return null;
    return rt.valuesById[v as number] ?? (v as number);
  }
  return scalarToJson(field.type, v);
}

function scalarToJson(type: string, v: unknown): Json {
  if (LONG_TYPES.has(type)) return String(v);
  if (type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (type === 'double' || type === 'float') {
    const n = v as number;
    if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
    return type === 'float' ? shortestFloat(n) : n;
  }
  return v as Json;
}

/** The shortest decimal that reads back as the same 32-bit float (as Envoy prints floats). */
function shortestFloat(n: number): number {
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(n.toPrecision(p));
    if (Math.fround(candidate) === Math.fround(n)) return candidate;
  }
  return n;
}

function specialToJson(type: protobuf.Type, msg: Obj): Json | undefined {
  const name = type.fullName;
  if (!SPECIAL_JSON.has(name)) return undefined;
  if (WRAPPERS.has(name)) return scalarToJson(type.fields.value!.type, msg.value);
  switch (name) {
    case '.google.protobuf.Duration':
      return formatDuration(BigInt(String(msg.seconds ?? 0)), Number(msg.nanos ?? 0));
    case '.google.protobuf.Timestamp':
      return formatTimestamp(Number(String(msg.seconds ?? 0)), Number(msg.nanos ?? 0));
    case '.google.protobuf.Struct':
      return Object.fromEntries(Object.entries((msg.fields ?? {}) as Obj).map(([k, v]) => [k, structValueToJson(v as Obj)]));
    case '.google.protobuf.Value':
      return structValueToJson(msg);
    case '.google.protobuf.ListValue':
      return ((msg.values ?? []) as Obj[]).map(structValueToJson);
    case '.google.protobuf.FieldMask':
      return ((msg.paths ?? []) as string[]).map(snakeToCamel).join(',');
    default:
      return anyToJson(type, msg);
  }
}

/**
 * google.protobuf.Value's field names by kind. protobufjs bundles struct.proto with camelCase
 * names (nullValue, numberValue, ...) whatever keepCase says, so read them from the loaded type.
 */
function valueFields(): Record<'null' | 'number' | 'string' | 'bool' | 'struct' | 'list', string> {
  const byId = messageType('google.protobuf.Value').fieldsById;
  const name = (id: number): string => byId[id]!.name;
  return { null: name(1), number: name(2), string: name(3), bool: name(4), struct: name(5), list: name(6) };
}

function structValueToJson(v: Obj): Json {
  const f = valueFields();
  // Decoded messages carry oneof defaults on their prototype: only own properties are set.
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(v, key) && v[key] != null;
  if (has(f.struct)) return specialToJson(messageType('google.protobuf.Struct'), v[f.struct] as Obj) ?? null;
  if (has(f.list)) return specialToJson(messageType('google.protobuf.ListValue'), v[f.list] as Obj) ?? null;
  if (has(f.number)) return scalarToJson('double', v[f.number]);
  if (has(f.string)) return v[f.string] as string;
  if (has(f.bool)) return v[f.bool] as boolean;
  return null;
}

function anyToJson(anyType: protobuf.Type, msg: Obj): Json {
  const url = String(msg.type_url ?? '');
  const value = (msg.value ?? new Uint8Array()) as Uint8Array;
  if (url === '') return {};
  const inner = anyType.root.lookup(typeNameOfUrl(url));
  if (!(inner instanceof protobuf.Type)) return { '@type': url, value: Buffer.from(value).toString('base64') };
  const json = messageToJson(inner, inner.decode(value) as unknown as Obj);
  return SPECIAL_JSON.has(inner.fullName) ? { '@type': url, value: json } : { '@type': url, ...(json as object) };
}

export function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const abs = (seconds < 0n ? -seconds : seconds).toString();
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = nanos.toString().padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

export function formatTimestamp(seconds: number, nanos: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// ---------------------------------------------------------------- JSON -> message object

function fail(at: string, reason: string): never {
  throw new EnvoyJsonError(at, reason);
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function jsonToMessage(type: protobuf.Type, json: unknown, at: string): Obj {
  if (SPECIAL_JSON.has(type.fullName)) return specialFromJson(type, json, at);
  if (!isObject(json)) return fail(at, `expected an object for ${type.fullName.slice(1)}, got ${JSON.stringify(json)}`);
  const out: Obj = {};
  for (const [key, v] of Object.entries(json)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => snakeToCamel(f.name) === key);
    if (!field) return fail(child(at, key), `unknown field of ${type.fullName.slice(1)}`);
    const path = child(at, field.name);
    if (v === null && field.resolvedType?.fullName !== '.google.protobuf.Value') continue;
    if (field.partOf && field.partOf.oneof.some((o) => o !== field.name && out[o] !== undefined)) {
      return fail(path, `oneof ${field.partOf.name} already has a member set`);
    }
    out[field.name] = fieldFromJson(field, v, path);
  }
  return out;
}

function fieldFromJson(field: protobuf.Field, v: unknown, at: string): unknown {
  if (field.map) {
    if (!isObject(v)) return fail(at, 'expected an object (map)');
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, valueFromJson(field, e, `${at}[${JSON.stringify(k)}]`)]));
  }
  if (field.repeated) {
    if (!Array.isArray(v)) return fail(at, 'expected an array');
    return v.map((e, i) => valueFromJson(field, e, `${at}[${i}]`));
  }
  return valueFromJson(field, v, at);
}

function valueFromJson(field: protobuf.Field, v: unknown, at: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return jsonToMessage(rt, v, at);
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === '.google.protobuf.NullValue') return 'NULL_VALUE';
    if (typeof v === 'string' && v in rt.values) return v;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return fail(at, `invalid ${rt.fullName.slice(1)} ${JSON.stringify(v)}`);
  }
  return scalarFromJson(field.type, v, at);
}

function scalarFromJson(type: string, v: unknown, at: string): unknown {
  const bad = (): never => fail(at, `invalid ${type} ${JSON.stringify(v)}`);
  if (type === 'string') return typeof v === 'string' ? v : bad();
  if (type === 'bool') return typeof v === 'boolean' ? v : bad();
  if (type === 'bytes') {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return bad();
    return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  if (type === 'double' || type === 'float') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : bad();
  }
  const text = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v : '';
  if (!/^-?\d+$/.test(text)) return bad();
  const n = BigInt(text);
  const unsigned = type.startsWith('u') || type.startsWith('fixed');
  if (unsigned && n < 0n) return bad();
  const bits = INT32_TYPES.has(type) ? 32n : 64n;
  const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  const min = unsigned ? 0n : -(1n << (bits - 1n));
  if (n > max || n < min) return bad();
  return bits === 32n ? Number(n) : n.toString();
}

function specialFromJson(type: protobuf.Type, json: unknown, at: string): Obj {
  const name = type.fullName;
  if (WRAPPERS.has(name)) return { value: scalarFromJson(type.fields.value!.type, json, at) };
  switch (name) {
    case '.google.protobuf.Duration':
      return parseDuration(json, at);
    case '.google.protobuf.Timestamp':
      return parseTimestamp(json, at);
    case '.google.protobuf.Struct':
      if (!isObject(json)) return fail(at, `expected a JSON object, got ${JSON.stringify(json)}`);
      return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, structValueFromJson(v, `${at}[${JSON.stringify(k)}]`)])) };
    case '.google.protobuf.Value':
      return structValueFromJson(json, at);
    case '.google.protobuf.ListValue':
      if (!Array.isArray(json)) return fail(at, `expected a JSON array, got ${JSON.stringify(json)}`);
      return { values: json.map((v, i) => structValueFromJson(v, `${at}[${i}]`)) };
    case '.google.protobuf.FieldMask':
      if (typeof json !== 'string') return fail(at, `invalid field mask ${JSON.stringify(json)}`);
      return { paths: json === '' ? [] : json.split(',').map(camelToSnake) };
    default:
      return anyFromJson(type, json, at);
  }
}

function structValueFromJson(v: unknown, at: string): Obj {
  const f = valueFields();
  if (v === null) return { [f.null]: 'NULL_VALUE' };
  if (typeof v === 'number') return { [f.number]: v };
  if (typeof v === 'string') return { [f.string]: v };
  if (typeof v === 'boolean') return { [f.bool]: v };
  if (Array.isArray(v)) return { [f.list]: { values: v.map((e, i) => structValueFromJson(e, `${at}[${i}]`)) } };
  if (isObject(v)) return { [f.struct]: specialFromJson(messageType('google.protobuf.Struct'), v, at) };
  return fail(at, `not a JSON value: ${String(v)}`);
}

function anyFromJson(anyType: protobuf.Type, json: unknown, at: string): Obj {
  if (!isObject(json)) return fail(at, `expected an object for google.protobuf.Any, got ${JSON.stringify(json)}`);
  const { '@type': url, ...rest } = json;
  if (url === undefined && Object.keys(rest).length === 0) return {};
  if (typeof url !== 'string' || !url.includes('/')) return fail(child(at, '@type'), `invalid type URL ${JSON.stringify(url)}`);
  const inner = anyType.root.lookup(typeNameOfUrl(url));
  if (!(inner instanceof protobuf.Type)) {
    if (Object.keys(rest).length === 1 && typeof rest.value === 'string') {
      return { type_url: url, value: scalarFromJson('bytes', rest.value, child(at, 'value')) };
    }
    return fail(child(at, '@type'), `unknown type ${JSON.stringify(url)}`);
  }
  if (SPECIAL_JSON.has(inner.fullName)) {
    const converted = jsonToMessage(inner, rest.value, child(at, 'value'));
    return { type_url: url, value: Buffer.from(encodeMessage(inner.fullName.slice(1), converted)) };
  }
  return { '@type': url, ...jsonToMessage(inner, rest, at) };
}

function parseDuration(json: unknown, at: string): Obj {
  const m = typeof json === 'string' ? /^(-)?(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(json) : null;
  if (!m) return fail(at, `invalid duration ${JSON.stringify(json)}`);
  const sign = m[1] ? -1 : 1;
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  const seconds = BigInt(m[2]!);
  if (seconds > 315_576_000_000n) return fail(at, `duration out of range ${JSON.stringify(json)}`);
  return { seconds: (sign < 0 ? -seconds : seconds).toString(), nanos: nanos === 0 ? 0 : sign * nanos };
}

function parseTimestamp(json: unknown, at: string): Obj {
  const re = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
  const m = typeof json === 'string' ? re.exec(json) : null;
  const base = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]!.toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(base)) return fail(at, `invalid timestamp ${JSON.stringify(json)}`);
  return { seconds: String(Math.floor(base / 1000)), nanos: Number((m[7] ?? '').padEnd(9, '0')) };
}
