/**
 * Checks an Envoy resource against the protoc-gen-validate rules annotated on its .proto types.
 * Receives a protobufjs Root (loaded with keepCase for snake_case paths), a type name or type URL,
 * and wire bytes or an object; emits every Violation found (never throws for bad data, only for
 * an unknown type name). Production-safe: imports protobufjs only, never dev dependencies.
 */
import * as protobuf from 'protobufjs';
import { mapKeyPath, mapKeyValue } from './collection-rules';
import { planFor, type FieldPlan } from './compile-rules';
import { envoyLoadCheck } from './envoy-load-checks';
import { type ElementRules } from './message-rules';
import { toMessage, type TypeLookup } from './object-input';
import { isRecord } from './rule-options';
import { joinPath, type Violation } from './violation';

export type { Violation } from './violation';

export interface CheckOptions {
  /** Also run the few Envoy load-time checks that are not PGV rules (envoy-load-checks.ts). Default true. */
  readonly envoyLoadChecks?: boolean;
}

type Msg = Readonly<Record<string, unknown>>;

interface WalkContext {
  readonly out: Violation[];
  readonly lookup: TypeLookup;
  readonly envoyLoadChecks: boolean;
}

const lookups = new WeakMap<protobuf.Root, TypeLookup>();

/** Cached `name -> Type` lookup for a root (Any payloads, type URLs); misses are not cached. */
function typeLookup(root: protobuf.Root): TypeLookup {
  const hit = lookups.get(root);
  if (hit) return hit;
  const cache = new Map<string, protobuf.Type>();
  const lookup: TypeLookup = (name) => {
    const clean = name.slice(name.lastIndexOf('/') + 1).replace(/^\./, '');
    const cached = cache.get(clean);
    if (cached) return cached;
    const found = clean === '' ? null : root.lookup(`.${clean}`);
    if (!(found instanceof protobuf.Type)) return undefined; // not cached: the root may grow later
    cache.set(clean, found);
    return found;
  };
  lookups.set(root, lookup);
  return lookup;
}

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

function isSet(msg: Msg, name: string): boolean {
  return hasOwn(msg, name) && msg[name] !== null && msg[name] !== undefined;
}

function walkAny(ctx: WalkContext, any: Msg, path: string): void {
  const url = typeof any.type_url === 'string' ? any.type_url : typeof any.typeUrl === 'string' ? any.typeUrl : '';
  const name = url.slice(url.lastIndexOf('/') + 1);
  const type = ctx.lookup(name);
  if (type === undefined) {
    if (!name.startsWith('google.protobuf.')) {
      ctx.out.push({ path, rule: 'any.unknown_type', message: `Any type URL ${JSON.stringify(url)} names no message in the root` });
    }
    return;
  }
  const bytes = any.value instanceof Uint8Array ? any.value : new Uint8Array(0);
  let inner: protobuf.Message;
  try {
    inner = type.decode(bytes);
  } catch (err) {
    ctx.out.push({ path, rule: 'any.decode', message: `cannot decode Any payload as ${name}: ${(err as Error).message}` });
    return;
  }
  walkMessage(ctx, type, inner as unknown as Msg, path);
}

/** Checks one present value (singular, item or map value) and descends into messages. */
function walkValue(ctx: WalkContext, plan: FieldPlan, rules: ElementRules, value: unknown, path: string): void {
  rules.check?.(value, path, ctx.out);
  if (plan.messageType === undefined || rules.skip || !isRecord(value)) return;
  if (plan.isAny) walkAny(ctx, value, path);
  else walkMessage(ctx, plan.messageType, value, path);
}

function walkRepeated(ctx: WalkContext, plan: FieldPlan, value: unknown, path: string): void {
  const items = Array.isArray(value) ? value : [];
  if (plan.container?.ignoreEmpty && items.length === 0) return;
  plan.container?.check?.(items, path, ctx.out);
  items.forEach((item: unknown, i) => walkValue(ctx, plan, plan.element, item, `${path}[${i}]`));
}

function walkMap(ctx: WalkContext, plan: FieldPlan, value: unknown, path: string): void {
  const entries = isRecord(value) ? Object.entries(value) : [];
  if (plan.container?.ignoreEmpty && entries.length === 0) return;
  plan.container?.check?.(value, path, ctx.out);
  for (const [rawKey, item] of entries) {
    const key = mapKeyValue(rawKey, plan.keyType);
    const at = mapKeyPath(path, key);
    plan.key.check?.(key, at, ctx.out);
    if (item === null || item === undefined) continue; // unset values: map.no_sparse reports them
    walkValue(ctx, plan, plan.element, item, at);
  }
}

function walkField(ctx: WalkContext, plan: FieldPlan, msg: Msg, parent: string): void {
  const path = joinPath(parent, plan.name);
  if (plan.oneof && !isSet(msg, plan.name)) return;
  const value = msg[plan.name];
  if (plan.field.map) return walkMap(ctx, plan, value, path);
  if (plan.field.repeated) return walkRepeated(ctx, plan, value, path);
  if (plan.messageType && (value === null || value === undefined)) {
    const required = plan.element.required;
    if (required) ctx.out.push({ path, rule: required, message: 'value is required' });
    return;
  }
  if (plan.scalarPresence && !isSet(msg, plan.name)) return;
  walkValue(ctx, plan, plan.element, value, path);
}

function walkMessage(ctx: WalkContext, type: protobuf.Type, msg: Msg, path: string): void {
  const plan = planFor(type);
  if (plan.disabled) return;
  for (const oneof of plan.requiredOneofs) {
    if (!oneof.oneof.some((name) => isSet(msg, name))) {
      ctx.out.push({ path: joinPath(path, oneof.name), rule: 'oneof.required', message: `exactly one of [${oneof.oneof.join(', ')}] must be set` });
    }
  }
  for (const field of plan.fields) walkField(ctx, field, msg, path);
  if (ctx.envoyLoadChecks) envoyLoadCheck(type.fullName)?.(msg, path, ctx.out);
}

/**
 * Every PGV violation in `value`, a `fullName` message (a type URL works too) given as wire bytes
 * or as an object. Throws only when the root has no such message type.
 */
export function checkMessage(root: protobuf.Root, fullName: string, value: Uint8Array | object, options: CheckOptions = {}): Violation[] {
  const lookup = typeLookup(root);
  const type = lookup(fullName);
  if (type === undefined) throw new Error(`checkMessage: no message type ${JSON.stringify(fullName)} in the root`);
  const ctx: WalkContext = { out: [], lookup, envoyLoadChecks: options.envoyLoadChecks !== false };
  const msg = toMessage(type, value, ctx.out, lookup);
  if (msg) walkMessage(ctx, type, msg as unknown as Msg, '');
  return ctx.out;
}

/** One line per violation, for error messages and logs. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.path || '<root>'}: ${v.rule}: ${v.message}`).join('\n');
}
