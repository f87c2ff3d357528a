/**
 * decodeObject(): one parsed Kubernetes object (untrusted JSON) -> a typed model object of a
 * supported kind, or problems. Checks the envelope, field types and required fields the API
 * server's schema would check; ranges and semantics are the translator's job. Never throws.
 */
import { KINDS, type AnyResource, type KindInfo } from './resources';
import type { Origin, Problem } from './problems';
import { lineOf } from './problems';
import type { ResourceRef } from './keys';
import type { Shape, ObjectShape } from './shape';
import { SPEC_SHAPES, METADATA_SHAPE } from './schemas';

export interface DecodeResult {
  readonly resource?: AnyResource;
  readonly problems: readonly Problem[];
}

interface Ctx {
  readonly problems: Problem[];
  readonly ref?: ResourceRef;
  readonly origin?: Origin;
}

/** Decodes one object; `origin` (file, lines) is attached to the result and to its problems. */
export function decodeObject(raw: unknown, origin?: Origin): DecodeResult {
  const ctx: Ctx = { problems: [], origin };
  if (!isRecord(raw)) return fail(ctx, '', 'a Kubernetes object must be a mapping with apiVersion, kind and metadata');
  const { apiVersion, kind } = raw;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return fail(ctx, '', 'apiVersion and kind must be strings');
  const info = KINDS.find((k) => k.kind === kind);
  if (!info || !info.apiVersions.includes(apiVersion)) return unknownKind(ctx, apiVersion, kind);
  return decodeKnown(raw, info, apiVersion, ctx);
}

function decodeKnown(raw: Record<string, unknown>, info: KindInfo, apiVersion: string, base: Ctx): DecodeResult {
  const meta = decodeValue(raw.metadata, METADATA_SHAPE, 'metadata', base) as Record<string, unknown> | undefined;
  const name = meta?.name;
  if (typeof name !== 'string' || name === '') return fail(base, 'metadata.name', 'metadata.name is required');
  const namespace = info.namespaced ? ((meta?.namespace as string | undefined) || 'default') : '';
  const ctx: Ctx = { problems: [], origin: base.origin, ref: { kind: info.kind, namespace, name } };
  const body = info.kind === 'EndpointSlice' ? { addressType: raw.addressType, endpoints: raw.endpoints ?? [], ports: raw.ports } : raw.spec;
  const specPath = info.kind === 'EndpointSlice' ? '' : 'spec';
  const spec = decodeValue(body ?? {}, SPEC_SHAPES[info.kind], specPath, ctx);
  const problems = [...base.problems, ...ctx.problems].map((p) => withRef(p, ctx.ref as ResourceRef));
  if (problems.some((p) => p.severity === 'error')) return { problems };
  const metadata = { ...meta, name, namespace };
  const resource = { apiVersion, kind: info.kind, metadata, spec, ...(base.origin ? { origin: base.origin } : {}) };
  return { resource: resource as unknown as AnyResource, problems };
}

function unknownKind(ctx: Ctx, apiVersion: string, kind: string): DecodeResult {
  const known = KINDS.find((k) => k.kind === kind);
  const message = known
    ? `${kind} ${apiVersion} is not supported; use ${known.apiVersions.join(' or ')}`
    : `kind ${kind} (${apiVersion}) is not one healthplane reads; ignored`;
  ctx.problems.push(problem(ctx, 'warning', '', 'UnsupportedKind', message));
  return { problems: ctx.problems };
}

function withRef(p: Problem, ref: ResourceRef): Problem {
  const { severity, ...rest } = p;
  return { severity, ref, ...rest };
}

function fail(ctx: Ctx, path: string, message: string): DecodeResult {
  ctx.problems.push(problem(ctx, 'error', path, 'Invalid', message));
  return { problems: ctx.problems };
}

function problem(ctx: Ctx, severity: Problem['severity'], path: string, reason: string, message: string): Problem {
  const line = lineOf(ctx.origin, path);
  return {
    severity,
    ...(ctx.ref ? { ref: ctx.ref } : {}),
    ...(ctx.origin ? { file: ctx.origin.file } : {}),
    ...(line !== undefined ? { line } : {}),
    path,
    reason,
    message,
  };
}

/** Returns the decoded value, or undefined when the value is absent or had to be dropped. */
function decodeValue(value: unknown, shape: Shape, path: string, ctx: Ctx): unknown {
  if (value === undefined || value === null) return undefined;
  switch (shape.t) {
    case 'any':
      return value;
    case 'string':
      return decodeString(value, shape.coerce === true, path, ctx);
    case 'int':
      return Number.isInteger(value) ? value : typeError(ctx, path, 'an integer', value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : typeError(ctx, path, 'a number', value);
    case 'bool':
      return typeof value === 'boolean' ? value : typeError(ctx, path, 'true or false', value);
    case 'intOrString':
      return Number.isInteger(value) || typeof value === 'string' ? value : typeError(ctx, path, 'an integer or a string', value);
    case 'array':
      return decodeArray(value, shape.of, path, ctx);
    case 'map':
      return decodeMap(value, shape.of, path, ctx);
    case 'object':
      return decodeRecord(value, shape, path, ctx);
  }
}

function decodeString(value: unknown, coerce: boolean, path: string, ctx: Ctx): unknown {
  if (typeof value === 'string') return value;
  if (coerce && (typeof value === 'number' || typeof value === 'boolean')) {
    ctx.problems.push(problem(ctx, 'warning', path, 'Coerced', `${path} must be a string; read ${JSON.stringify(value)} as "${String(value)}" (quote it)`));
    return String(value);
  }
  return typeError(ctx, path, 'a string', value);
}

function decodeArray(value: unknown, of: Shape, path: string, ctx: Ctx): unknown {
  if (!Array.isArray(value)) return typeError(ctx, path, 'a list', value);
  return value.map((v, i) => decodeValue(v, of, `${path}[${i}]`, ctx)).filter((v) => v !== undefined);
}

function decodeMap(value: unknown, of: Shape, path: string, ctx: Ctx): unknown {
  if (!isRecord(value)) return typeError(ctx, path, 'a mapping', value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const d = decodeValue(v, of, join(path, k, true), ctx);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

function decodeRecord(value: unknown, shape: ObjectShape, path: string, ctx: Ctx): unknown {
  if (!isRecord(value)) return typeError(ctx, path, 'a mapping', value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const fieldShape = shape.fields[k];
    if (fieldShape === undefined) {
      if (!shape.open) ctx.problems.push(problem(ctx, 'warning', join(path, k), 'UnknownField', `unknown field ${join(path, k)} ignored${suggest(k, shape)}`));
      continue;
    }
    const d = decodeValue(v, fieldShape, join(path, k), ctx);
    if (d !== undefined) out[k] = d;
  }
  for (const req of shape.required ?? []) {
    if (out[req] === undefined && value[req] === undefined) {
      ctx.problems.push(problem(ctx, 'error', join(path, req), 'Invalid', `${join(path, req)} is required`));
    }
  }
  return out;
}

function typeError(ctx: Ctx, path: string, expected: string, value: unknown): undefined {
  const got = Array.isArray(value) ? 'a list' : value !== null && typeof value === 'object' ? 'a mapping' : JSON.stringify(value);
  ctx.problems.push(problem(ctx, 'error', path, 'Invalid', `${path || 'value'} must be ${expected}, got ${got}`));
  return undefined;
}

function suggest(field: string, shape: ObjectShape): string {
  const lower = field.toLowerCase();
  const near = Object.keys(shape.fields).find((f) => f.toLowerCase() === lower || editDistance(f.toLowerCase(), lower) <= 2);
  return near ? ` (did you mean ${near}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** Field paths: `a.b`, `a[0]`, and `a["x/y"]` for map keys that are not identifiers. */
export function join(path: string, key: string, mapKey = false): string {
  if (mapKey && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
