/**
 * Wire-compatibility check between our proto/ subset and the upstream Envoy API: every message,
 * enum and service we declare must exist upstream with identical field names, numbers, resolved
 * types, labels, map key types, oneof membership, enum values and RPC signatures.
 * Receives two resolved protobufjs Roots; returns one human-readable line per difference.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';

const DEPS = path.join(__dirname, '../../node_modules/@grpc/grpc-js-xds/deps');
export const UPSTREAM_INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
  .map((d) => path.join(DEPS, d))
  .concat(path.join(__dirname, '../../node_modules/protobufjs'));

/** Load upstream files by the same relative paths our proto/ uses. */
export function loadUpstream(files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    const dir = UPSTREAM_INCLUDE_DIRS.find((d) => fs.existsSync(path.join(d, target)));
    return dir ? path.join(dir, target) : target;
  };
  root.loadSync(files.slice(), { keepCase: true });
  root.resolveAll();
  return root;
}

/** Every message, enum and service declared in a root, depth first. */
export function declarations(ns: protobuf.NamespaceBase): protobuf.ReflectionObject[] {
  const out: protobuf.ReflectionObject[] = [];
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type || obj instanceof protobuf.Enum || obj instanceof protobuf.Service) out.push(obj);
    if (obj instanceof protobuf.Namespace) out.push(...declarations(obj));
  }
  return out;
}

function fieldType(f: protobuf.Field): string {
  return f.resolvedType ? f.resolvedType.fullName : f.type;
}

function oneofOf(f: protobuf.Field): string {
  return f.partOf ? f.partOf.name : '(none)';
}

/** Whether a repeated scalar/enum field is encoded packed (meaningless for other fields). */
function packedEncoding(f: protobuf.Field): boolean | '-' {
  const packable = f.repeated && !(f.resolvedType instanceof protobuf.Type) && f.type !== 'string' && f.type !== 'bytes';
  return packable ? f.packed : '-';
}

function isProto3Optional(f: protobuf.Field): boolean {
  return Boolean(f.options?.proto3_optional);
}

function compareType(ours: protobuf.Type, up: protobuf.Type): string[] {
  const out: string[] = [];
  const name = ours.fullName.slice(1);
  for (const f of ours.fieldsArray) {
    const u = up.fields[f.name];
    const at = `${name}.${f.name}`;
    if (!u) {
      out.push(`${at}: no such field upstream`);
      continue;
    }
    const pairs: [string, unknown, unknown][] = [
      ['number', f.id, u.id],
      ['type', fieldType(f), fieldType(u)],
      ['repeated', f.repeated, u.repeated],
      ['map', f.map, u.map],
      ['map key type', f instanceof protobuf.MapField ? f.keyType : '-', u instanceof protobuf.MapField ? u.keyType : '-'],
      ['oneof', oneofOf(f), oneofOf(u)],
      ['proto3 optional', isProto3Optional(f), isProto3Optional(u)],
      ['packed', packedEncoding(f), packedEncoding(u)],
    ];
    for (const [what, a, b] of pairs) if (a !== b) out.push(`${at}: ${what} ${String(a)} != upstream ${String(b)}`);
  }
  return out;
}

function compareEnum(ours: protobuf.Enum, up: protobuf.Enum): string[] {
  const name = ours.fullName.slice(1);
  const a = JSON.stringify(Object.entries(ours.values).sort());
  const b = JSON.stringify(Object.entries(up.values).sort());
  return a === b ? [] : [`${name}: enum values ${a} != upstream ${b}`];
}

function compareService(ours: protobuf.Service, up: protobuf.Service): string[] {
  const out: string[] = [];
  for (const m of ours.methodsArray) {
    const u = up.methods[m.name];
    const at = `${ours.fullName.slice(1)}.${m.name}`;
    if (!u) {
      out.push(`${at}: no such method upstream`);
      continue;
    }
    const pairs: [string, unknown, unknown][] = [
      ['request type', m.resolvedRequestType?.fullName, u.resolvedRequestType?.fullName],
      ['response type', m.resolvedResponseType?.fullName, u.resolvedResponseType?.fullName],
      ['request streaming', Boolean(m.requestStream), Boolean(u.requestStream)],
      ['response streaming', Boolean(m.responseStream), Boolean(u.responseStream)],
    ];
    for (const [what, a, b] of pairs) if (a !== b) out.push(`${at}: ${what} ${String(a)} != upstream ${String(b)}`);
  }
  return out;
}

function kindOf(obj: protobuf.ReflectionObject | null): string {
  if (obj instanceof protobuf.Type) return 'message';
  if (obj instanceof protobuf.Enum) return 'enum';
  if (obj instanceof protobuf.Service) return 'service';
  return 'nothing';
}

/** All differences between our declarations and upstream; empty when wire-identical. */
export function compareRoots(ours: protobuf.Root, upstream: protobuf.Root): string[] {
  const out: string[] = [];
  for (const obj of declarations(ours)) {
    const up = upstream.lookup(obj.fullName);
    const name = obj.fullName.slice(1);
    if (kindOf(up) !== kindOf(obj)) out.push(`${name}: ${kindOf(obj)} is ${kindOf(up)} upstream`);
    else if (obj instanceof protobuf.Type) out.push(...compareType(obj, up as protobuf.Type));
    else if (obj instanceof protobuf.Enum) out.push(...compareEnum(obj, up as protobuf.Enum));
    else if (obj instanceof protobuf.Service) out.push(...compareService(obj, up as protobuf.Service));
  }
  return out;
}

/** Our file of each top-level declaration must be the upstream file of the same path. */
export function compareFiles(ours: protobuf.Root, oursDir: string, upstream: protobuf.Root): string[] {
  const out: string[] = [];
  for (const obj of declarations(ours)) {
    if (obj.parent instanceof protobuf.Type || !obj.filename) continue;
    const up = upstream.lookup(obj.fullName);
    if (!up?.filename) continue; // bundled well-known types carry no file name
    const mine = path.relative(oursDir, obj.filename);
    const theirs = UPSTREAM_INCLUDE_DIRS.map((d) => path.relative(d, up.filename as string)).find((p) => !p.startsWith('..'));
    if (mine !== theirs) out.push(`${obj.fullName.slice(1)}: declared in ${mine}, upstream in ${String(theirs)}`);
  }
  return out;
}
