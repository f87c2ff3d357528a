/**
 * Runtime access to our Envoy/xDS protos (proto/, listed in proto/files.json): one lazily loaded
 * protobufjs Root, and the @grpc/proto-loader package definition of the xDS/CSDS services.
 * Receives message full names plus plain keepCase objects or bytes; emits wire bytes, packed Anys
 * and proto-loader `__Output`-shaped objects. Must never silently drop a field: unknown fields,
 * bad enum names and double-set oneofs throw ProtoShapeError naming the field path.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import type { Cluster, Cluster__Output } from './generated/envoy/config/cluster/v3/Cluster';
import type { OutlierDetection, OutlierDetection__Output } from './generated/envoy/config/cluster/v3/OutlierDetection';
import type { HealthCheck, HealthCheck__Output } from './generated/envoy/config/core/v3/HealthCheck';
import type { Node, Node__Output } from './generated/envoy/config/core/v3/Node';
import type { ClusterLoadAssignment, ClusterLoadAssignment__Output } from './generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener, Listener__Output } from './generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration, RouteConfiguration__Output } from './generated/envoy/config/route/v3/RouteConfiguration';
import type { Router, Router__Output } from './generated/envoy/extensions/filters/http/router/v3/Router';
import type { HttpConnectionManager, HttpConnectionManager__Output } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { ClusterDiscoveryServiceDefinition } from './generated/envoy/service/cluster/v3/ClusterDiscoveryService';
import type { AggregatedDiscoveryServiceDefinition } from './generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { DeltaDiscoveryRequest, DeltaDiscoveryRequest__Output } from './generated/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import type { DeltaDiscoveryResponse, DeltaDiscoveryResponse__Output } from './generated/envoy/service/discovery/v3/DeltaDiscoveryResponse';
import type { DiscoveryRequest, DiscoveryRequest__Output } from './generated/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse, DiscoveryResponse__Output } from './generated/envoy/service/discovery/v3/DiscoveryResponse';
import type { Resource, Resource__Output } from './generated/envoy/service/discovery/v3/Resource';
import type { EndpointDiscoveryServiceDefinition } from './generated/envoy/service/endpoint/v3/EndpointDiscoveryService';
import type { ListenerDiscoveryServiceDefinition } from './generated/envoy/service/listener/v3/ListenerDiscoveryService';
import type { RouteDiscoveryServiceDefinition } from './generated/envoy/service/route/v3/RouteDiscoveryService';
import type { ClientConfig, ClientConfig__Output } from './generated/envoy/service/status/v3/ClientConfig';
import type { ClientStatusDiscoveryServiceDefinition } from './generated/envoy/service/status/v3/ClientStatusDiscoveryService';
import type { ClientStatusRequest, ClientStatusRequest__Output } from './generated/envoy/service/status/v3/ClientStatusRequest';
import type { ClientStatusResponse, ClientStatusResponse__Output } from './generated/envoy/service/status/v3/ClientStatusResponse';
import type { Status, Status__Output } from './generated/google/rpc/Status';

/** Works from src/xds (ts-node, jest) and from dist/xds (built). */
export const PROTO_DIR = path.join(__dirname, '../../proto');

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Input (permissive, proto-loader `Foo`) and decoded (`Foo__Output`) types of the messages we use most. */
export interface XdsMessageTypes {
  'envoy.config.cluster.v3.Cluster': [Cluster, Cluster__Output];
  'envoy.config.cluster.v3.OutlierDetection': [OutlierDetection, OutlierDetection__Output];
  'envoy.config.core.v3.HealthCheck': [HealthCheck, HealthCheck__Output];
  'envoy.config.core.v3.Node': [Node, Node__Output];
  'envoy.config.endpoint.v3.ClusterLoadAssignment': [ClusterLoadAssignment, ClusterLoadAssignment__Output];
  'envoy.config.listener.v3.Listener': [Listener, Listener__Output];
  'envoy.config.route.v3.RouteConfiguration': [RouteConfiguration, RouteConfiguration__Output];
  'envoy.extensions.filters.http.router.v3.Router': [Router, Router__Output];
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager': [HttpConnectionManager, HttpConnectionManager__Output];
  'envoy.service.discovery.v3.DiscoveryRequest': [DiscoveryRequest, DiscoveryRequest__Output];
  'envoy.service.discovery.v3.DiscoveryResponse': [DiscoveryResponse, DiscoveryResponse__Output];
  'envoy.service.discovery.v3.DeltaDiscoveryRequest': [DeltaDiscoveryRequest, DeltaDiscoveryRequest__Output];
  'envoy.service.discovery.v3.DeltaDiscoveryResponse': [DeltaDiscoveryResponse, DeltaDiscoveryResponse__Output];
  'envoy.service.discovery.v3.Resource': [Resource, Resource__Output];
  'envoy.service.status.v3.ClientStatusRequest': [ClientStatusRequest, ClientStatusRequest__Output];
  'envoy.service.status.v3.ClientStatusResponse': [ClientStatusResponse, ClientStatusResponse__Output];
  'envoy.service.status.v3.ClientConfig': [ClientConfig, ClientConfig__Output];
  'google.rpc.Status': [Status, Status__Output];
}
export type XdsMessageName = keyof XdsMessageTypes;
/** The accepted input for a message: the generated type for known names, any object otherwise. */
export type MessageInput<N extends string> = N extends XdsMessageName ? XdsMessageTypes[N][0] : object;

/** The grpc-js service definitions in xdsPackageDefinition(), by full service name. */
export interface XdsServiceDefinitions {
  'envoy.service.discovery.v3.AggregatedDiscoveryService': AggregatedDiscoveryServiceDefinition;
  'envoy.service.cluster.v3.ClusterDiscoveryService': ClusterDiscoveryServiceDefinition;
  'envoy.service.endpoint.v3.EndpointDiscoveryService': EndpointDiscoveryServiceDefinition;
  'envoy.service.listener.v3.ListenerDiscoveryService': ListenerDiscoveryServiceDefinition;
  'envoy.service.route.v3.RouteDiscoveryService': RouteDiscoveryServiceDefinition;
  'envoy.service.status.v3.ClientStatusDiscoveryService': ClientStatusDiscoveryServiceDefinition;
}

const SERVICE_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/status/v3/csds.proto',
];

/** The options proto-loader-gen-types was run with (scripts/gen-types.mjs); decoding matches them. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};
const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

/** A value that does not fit the schema of the message it is meant for (a bug in the caller). */
export class ProtoShapeError extends Error {
  constructor(
    readonly messageName: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${messageName}: ${problems.join('; ')}`);
    this.name = 'ProtoShapeError';
  }
}

let root: protobuf.Root | undefined;
let packageDefinition: protoLoader.PackageDefinition | undefined;

export function protoFiles(): string[] {
  return JSON.parse(fs.readFileSync(path.join(PROTO_DIR, 'files.json'), 'utf8')) as string[];
}

/** Every proto under proto/, loaded with keepCase and resolved. Loaded once, on first use. */
export function xdsRoot(): protobuf.Root {
  if (!root) root = loadRoot(PROTO_DIR, protoFiles());
  return root;
}

/** Load a set of .proto files relative to `dir` (google/protobuf/* come from protobufjs). */
export function loadRoot(dir: string, files: readonly string[]): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
  r.loadSync(files.slice(), { keepCase: true });
  r.resolveAll();
  return r;
}

/** The message type for a full name such as `envoy.config.cluster.v3.Cluster`. */
export function messageType(fullName: string): protobuf.Type {
  const found = xdsRoot().lookup(fullName.startsWith('.') ? fullName : `.${fullName}`);
  if (!(found instanceof protobuf.Type)) throw new Error(`unknown proto message ${fullName}`);
  return found;
}

/** Check `value` against the schema, then encode it. Throws ProtoShapeError on any mismatch. */
export function encodeMessage<N extends string>(fullName: N, value: MessageInput<N>): Uint8Array {
  const type = messageType(fullName);
  const problems = shapeProblems(type, value);
  if (problems.length > 0) throw new ProtoShapeError(fullName, problems);
  return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
}

/**
 * Everything in `value` that does not fit `type` (unknown fields, wrong value types, bad enum
 * names, several members of a oneof), each with its field path. A first pass that allocates
 * nothing answers for the usual valid value; only a failing value is walked again with paths.
 */
export function shapeProblems(type: protobuf.Type, value: unknown): string[] {
  return shapeOk(type, value) ? [] : fullShapeProblems(type, value);
}

/** The walk with paths alone (what shapeProblems() must agree with; tests compare the two). */
export function fullShapeProblems(type: protobuf.Type, value: unknown): string[] {
  const problems: string[] = [];
  checkShape(type, value, '', problems);
  return problems;
}

/** Decode to the proto-loader `__Output` shape (longs and enums as strings, defaults filled in). */
export function decodeMessage<N extends XdsMessageName>(fullName: N, bytes: Uint8Array): XdsMessageTypes[N][1];
export function decodeMessage<T = Record<string, unknown>>(fullName: string, bytes: Uint8Array): T;
export function decodeMessage(fullName: string, bytes: Uint8Array): unknown {
  const type = messageType(fullName);
  return type.toObject(type.decode(asBuffer(bytes)), TO_OBJECT_OPTIONS);
}

/** `{type_url, value}` for a message; the value is checked like encodeMessage. */
export function packAny<N extends string>(fullName: N, value: MessageInput<N>): { type_url: string; value: Buffer } {
  return { type_url: TYPE_URL_PREFIX + fullName, value: asBuffer(encodeMessage(fullName, value)) };
}

/** Decode an Any whose type is in our root (the type is taken from the URL after its last '/'). */
export function unpackAny<T = Record<string, unknown>>(any: { type_url: string; value: Uint8Array }): T {
  return decodeMessage<T>(typeNameOfUrl(any.type_url), any.value);
}

export function typeNameOfUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** proto-loader definition of the ADS, per-type xDS and CSDS services (for grpc-js servers/clients). */
export function xdsPackageDefinition(): protoLoader.PackageDefinition {
  if (!packageDefinition) {
    packageDefinition = protoLoader.loadSync(SERVICE_FILES, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  }
  return packageDefinition;
}

/** One service of xdsPackageDefinition(), typed as generated (for `server.addService`). */
export function xdsService<N extends keyof XdsServiceDefinitions>(name: N): XdsServiceDefinitions[N] {
  const def = xdsPackageDefinition()[name];
  if (!def || 'format' in def) throw new Error(`${name} is not a service in proto/`);
  return def as unknown as XdsServiceDefinitions[N];
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- shape check (protobufjs fromObject ignores unknown keys; we want typos to fail loudly) ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function checkShape(type: protobuf.Type, value: unknown, at: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`${at || '(root)'}: expected an object for ${type.fullName.slice(1)}`);
    return;
  }
  if (type.fullName === '.google.protobuf.Any' && '@type' in value) {
    checkExpandedAny(type, value, at, problems);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) problems.push(`${join(at, key)}: unknown field of ${type.fullName.slice(1)}`);
    else if (v !== undefined && v !== null) checkField(field, v, join(at, key), problems);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => value[name] !== undefined && value[name] !== null);
    if (set.length > 1) problems.push(`${at || '(root)'}: oneof ${oneof.name} has several members set: ${set.join(', ')}`);
  }
}

function checkExpandedAny(anyType: protobuf.Type, value: Record<string, unknown>, at: string, problems: string[]): void {
  const url = value['@type'];
  const inner = typeof url === 'string' ? anyType.root.lookup(typeNameOfUrl(url)) : null;
  if (typeof url !== 'string' || !url.includes('/') || !(inner instanceof protobuf.Type)) {
    problems.push(`${join(at, '@type')}: unknown or malformed type URL ${JSON.stringify(url)}`);
    return;
  }
  const { '@type': _ignored, ...rest } = value;
  checkShape(inner, rest, at, problems);
}

function checkField(field: protobuf.Field, v: unknown, at: string, problems: string[]): void {
  if (field.map) {
    if (!isPlainObject(v)) problems.push(`${at}: expected an object (map)`);
    else for (const [k, e] of Object.entries(v)) checkValue(field, e, `${at}[${JSON.stringify(k)}]`, problems);
  } else if (field.repeated) {
    if (!Array.isArray(v)) problems.push(`${at}: expected an array`);
    else v.forEach((e, i) => checkValue(field, e, `${at}[${i}]`, problems));
  } else checkValue(field, v, at, problems);
}

// ---- the same checks, answering only whether there is a problem (no paths, no allocation) ----

function shapeOk(type: protobuf.Type, value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const any = type.fullName === '.google.protobuf.Any' && '@type' in value;
  let target = type;
  if (any) {
    const url = value['@type'];
    const inner = typeof url === 'string' ? type.root.lookup(typeNameOfUrl(url)) : null;
    if (typeof url !== 'string' || !url.includes('/') || !(inner instanceof protobuf.Type)) return false;
    target = inner;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key) || (any && key === '@type')) continue;
    const field = target.fields[key];
    if (!field) return false;
    const v = value[key];
    if (v !== undefined && v !== null && !fieldOk(field, v)) return false;
  }
  for (const oneof of target.oneofsArray) {
    let set = 0;
    for (const name of oneof.oneof) if (value[name] !== undefined && value[name] !== null && (!any || name !== '@type')) set++;
    if (set > 1) return false;
  }
  return true;
}

function fieldOk(field: protobuf.Field, v: unknown): boolean {
  if (field.map) {
    if (!isPlainObject(v)) return false;
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k) && !valueOk(field, v[k])) return false;
    return true;
  }
  if (field.repeated) {
    if (!Array.isArray(v)) return false;
    for (const e of v) if (!valueOk(field, e)) return false;
    return true;
  }
  return valueOk(field, v);
}

function valueOk(field: protobuf.Field, v: unknown): boolean {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return shapeOk(rt, v);
  if (rt instanceof protobuf.Enum) return typeof v === 'string' ? v in rt.values : typeof v === 'number' && Number.isInteger(v);
  return scalarOk(field.type, v);
}

function scalarOk(t: string, v: unknown): boolean {
  if (t === 'string') return typeof v === 'string';
  if (t === 'bool') return typeof v === 'boolean';
  if (t === 'bytes') return v instanceof Uint8Array || typeof v === 'string';
  if (NUMBER_TYPES.has(t)) return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)));
  if (LONG_TYPES.has(t)) return typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v)) || isPlainObject(v);
  return true;
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const NUMBER_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'double', 'float']);

function checkValue(field: protobuf.Field, v: unknown, at: string, problems: string[]): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return checkShape(rt, v, at, problems);
  if (rt instanceof protobuf.Enum) {
    const ok = typeof v === 'string' ? v in rt.values : typeof v === 'number' && Number.isInteger(v);
    if (!ok) problems.push(`${at}: ${JSON.stringify(v)} is not a value of ${rt.fullName.slice(1)}`);
    return;
  }
  const t = field.type;
  if (!scalarOk(t, v)) problems.push(`${at}: ${JSON.stringify(v)} is not a valid ${t}`);
}
