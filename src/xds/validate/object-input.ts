/**
 * Turns checker input (wire bytes, a protobufjs toObject shape, or a plain object that
 * Type.fromObject accepts) into a decoded message. Before fromObject silently drops what it does
 * not know, reports unknown keys, unknown enum names and Any payloads of unknown type.
 */
import * as protobuf from 'protobufjs';
import { isRecord } from './rule-options';
import { joinPath, type Violation } from './violation';

const ANY = '.google.protobuf.Any';
const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

export type TypeLookup = (name: string) => protobuf.Type | undefined;

function unknownField(type: protobuf.Type, key: string, path: string): Violation {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const camel = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const guess = [snake, camel].find((k) => k !== key && hasOwn(type.fields, k));
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  return {
    path: joinPath(path, key),
    rule: 'object.unknown_field',
    message: `${type.fullName.slice(1)} has no field "${key}"${hint}; Type.fromObject would drop it`,
  };
}

function scanEnum(enumType: protobuf.Enum, v: unknown, path: string, out: Violation[]): void {
  if (typeof v === 'string' && !hasOwn(enumType.values, v) && !/^-?\d+$/.test(v)) {
    out.push({ path, rule: 'object.unknown_enum_value', message: `"${v}" is not a ${enumType.fullName.slice(1)} value` });
  }
}

function scanFieldValue(field: protobuf.Field, v: unknown, path: string, out: Violation[], lookup: TypeLookup): void {
  field.resolve();
  const resolved = field.resolvedType;
  const one = (item: unknown, at: string): void => {
    if (resolved instanceof protobuf.Type && isRecord(item)) scanObject(resolved, item, at, out, lookup);
    else if (resolved instanceof protobuf.Enum) scanEnum(resolved, item, at, out);
  };
  if (field.map && isRecord(v)) for (const [k, item] of Object.entries(v)) one(item, `${path}[${JSON.stringify(k)}]`);
  else if (field.repeated && Array.isArray(v)) v.forEach((item, i) => one(item, `${path}[${i}]`));
  else one(v, path);
}

function scanAny(obj: Readonly<Record<string, unknown>>, path: string, out: Violation[], lookup: TypeLookup): boolean {
  const url = obj['@type'];
  if (typeof url !== 'string') return false;
  const name = url.slice(url.lastIndexOf('/') + 1);
  const packed = lookup(name);
  if (packed === undefined) {
    out.push({ path, rule: 'any.unknown_type', message: `Any "@type" ${JSON.stringify(url)} is not in the root; its fields would be dropped` });
    return true;
  }
  const { '@type': _ignored, ...rest } = obj;
  scanObject(packed, rest, path, out, lookup);
  return true;
}

/** Reports keys that Type.fromObject would silently ignore, recursively. */
export function scanObject(type: protobuf.Type, obj: Readonly<Record<string, unknown>>, path: string, out: Violation[], lookup: TypeLookup): void {
  if (type.fullName === ANY && scanAny(obj, path, out, lookup)) return;
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (hasOwn(type.fields, key)) {
      scanFieldValue(type.fields[key] as protobuf.Field, v, joinPath(path, key), out, lookup);
    } else if (!(type.oneofs && hasOwn(type.oneofs, key) && typeof v === 'string')) {
      out.push(unknownField(type, key, path));
    }
  }
}

/** Decodes bytes, or normalises an object via fromObject -> encode -> decode. */
export function toMessage(type: protobuf.Type, value: Uint8Array | object, out: Violation[], lookup: TypeLookup): protobuf.Message | undefined {
  if (value instanceof Uint8Array) {
    try {
      return type.decode(value);
    } catch (err) {
      out.push({ path: '', rule: 'wire.decode', message: `cannot decode ${type.fullName.slice(1)}: ${(err as Error).message}` });
      return undefined;
    }
  }
  if (!(value instanceof type.ctor)) scanObject(type, value as Record<string, unknown>, '', out, lookup);
  try {
    return type.decode(type.encode(type.fromObject(value)).finish());
  } catch (err) {
    out.push({ path: '', rule: 'object.invalid', message: `cannot convert object to ${type.fullName.slice(1)}: ${(err as Error).message}` });
    return undefined;
  }
}
