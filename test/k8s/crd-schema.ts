/**
 * A small offline stand-in for the API server's CRD handling: checks that an openAPIV3Schema is
 * structural (the rules apiextensions.k8s.io/v1 enforces), and validates an object against it
 * (type, properties, required, enum, bounds, lengths, pattern, items, unknown fields) and against
 * its CEL rules, each of which must have a JavaScript twin in CEL_TWINS (an unknown rule fails).
 * Test infrastructure only.
 */

export type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
} & Record<string, unknown>;

type Obj = Record<string, unknown>;

const FORBIDDEN = ['$ref', 'definitions', 'dependencies', 'patternProperties', 'id', '$schema', 'additionalItems'];
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

/** Problems that make a schema non-structural (empty when it is structural). */
export function structuralProblems(schema: Schema, path = ''): string[] {
  const out: string[] = [];
  for (const key of FORBIDDEN) if (key in schema) out.push(`${path || '<root>'}: ${key} is not allowed`);
  const free = schema['x-kubernetes-int-or-string'] === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !free) out.push(`${path || '<root>'}: type is required`);
  if (schema.type !== undefined && !TYPES.includes(schema.type)) out.push(`${path}: unknown type ${schema.type}`);
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) out.push(`${path}: x-kubernetes-preserve-unknown-fields must be true or absent`);
  if (schema.properties && schema.additionalProperties !== undefined) out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if (schema.uniqueItems === true) out.push(`${path}: uniqueItems is not allowed`);
  if (schema.type === 'array' && (!schema.items || Array.isArray(schema.items))) out.push(`${path}: an array needs one items schema`);
  if (schema.properties && schema.type !== 'object') out.push(`${path}: properties on a non-object`);
  for (const r of schema.required ?? []) if (!schema.properties?.[r]) out.push(`${path}: required field ${r} is not among the properties`);
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...structuralProblems(s, `${path}.${k}`));
  if (typeof schema.additionalProperties === 'object') out.push(...structuralProblems(schema.additionalProperties, `${path}.*`));
  if (schema.items && !Array.isArray(schema.items)) out.push(...structuralProblems(schema.items, `${path}[]`));
  return out;
}

/** JavaScript twins of the CEL rules our CRDs use, keyed by the exact rule text. */
export const CEL_TWINS: Record<string, (self: Obj) => boolean> = {
  '[has(self.kube), has(self.static)].filter(x, x).size() == 1': (s) => [has(s, 'kube'), has(s, 'static')].filter(Boolean).length === 1,
  '[has(self.httpHealthCheck), has(self.tcpHealthCheck), has(self.grpcHealthCheck), has(self.customHealthCheck)].filter(x, x).size() == 1': (s) =>
    ['httpHealthCheck', 'tcpHealthCheck', 'grpcHealthCheck', 'customHealthCheck'].filter((k) => has(s, k)).length === 1,
  'self.start < self.end': (s) => (s.start as number) < (s.end as number),
  '[has(self.input), has(self.header), has(self.cookie), has(self.queryArg), has(self.uriCapture)].filter(x, x).size() <= 1': (s) =>
    ['input', 'header', 'cookie', 'queryArg', 'uriCapture'].filter((k) => has(s, k)).length <= 1,
  'has(self.cookie) == has(self.cookiePath)': (s) => has(s, 'cookie') === has(s, 'cookiePath'),
  '!has(self.healthy) || !has(self.healthy.interval)': (s) => !has(s, 'healthy') || !has(s.healthy as Obj, 'interval'),
  '!has(self.unhealthy) || !has(self.unhealthy.interval)': (s) => !has(s, 'unhealthy') || !has(s.unhealthy as Obj, 'interval'),
  '!has(self.hashOn) || (has(self.algorithm) && (self.algorithm == "consistent-hashing" || self.algorithm == "sticky-sessions"))': (s) =>
    !has(s, 'hashOn') || s.algorithm === 'consistent-hashing' || s.algorithm === 'sticky-sessions',
  '!has(self.hashOnFallback) || (has(self.algorithm) && self.algorithm == "consistent-hashing")': (s) => !has(s, 'hashOnFallback') || s.algorithm === 'consistent-hashing',
  '!has(self.hashOnFallback) || !has(self.hashOn) || !has(self.hashOn.cookie)': (s) => !has(s, 'hashOnFallback') || !has(s, 'hashOn') || !has(s.hashOn as Obj, 'cookie'),
  '!has(self.stickySessions) || (has(self.algorithm) && self.algorithm == "sticky-sessions" && (!has(self.hashOn) || !has(self.hashOn.input) || self.hashOn.input == "none"))': (s) =>
    !has(s, 'stickySessions') || (s.algorithm === 'sticky-sessions' && (!has(s, 'hashOn') || !has(s.hashOn as Obj, 'input') || (s.hashOn as Obj).input === 'none')),
};

function has(o: Obj, k: string): boolean {
  return typeof o === 'object' && o !== null && o[k] !== undefined;
}

/** Validation errors for `value` (empty when the API server would accept it). */
export function validate(schema: Schema, value: unknown, path = ''): string[] {
  const at = path || '<root>';
  const typeError = checkType(schema, value, at);
  if (typeError) return [typeError];
  const out: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: ${value} is below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${at}: ${value} is above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) out.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) out.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${at}: "${value}" does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => out.push(...validate(schema.items as Schema, v, `${path}[${i}]`)));
  }
  if (isObj(value)) out.push(...validateObject(schema, value, path));
  for (const v of schema['x-kubernetes-validations'] ?? []) {
    const twin = CEL_TWINS[v.rule];
    if (!twin) out.push(`${at}: CEL rule without a JavaScript twin in CEL_TWINS: ${v.rule}`);
    else if (!twin(value as Obj)) out.push(`${at}: ${v.message ?? v.rule}`);
  }
  return out;
}

function validateObject(schema: Schema, value: Obj, path: string): string[] {
  const out: string[] = [];
  for (const r of schema.required ?? []) if (value[r] === undefined) out.push(`${path}.${r}: Required value`);
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue; // absent once sent as JSON
    const sub = schema.properties?.[k];
    if (sub) out.push(...validate(sub, v, `${path}.${k}`));
    else if (typeof schema.additionalProperties === 'object') out.push(...validate(schema.additionalProperties, v, `${path}.${k}`));
    else if (!schema['x-kubernetes-preserve-unknown-fields'] && path !== '.metadata' && schema.type === 'object' && schema.properties) out.push(`${path}.${k}: unknown field`);
  }
  return out;
}

function checkType(schema: Schema, value: unknown, at: string): string | undefined {
  if (schema['x-kubernetes-int-or-string']) return Number.isInteger(value) || typeof value === 'string' ? undefined : `${at}: must be an integer or a string`;
  switch (schema.type) {
    case undefined:
      return undefined;
    case 'object':
      return isObj(value) ? undefined : `${at}: must be an object`;
    case 'array':
      return Array.isArray(value) ? undefined : `${at}: must be an array`;
    case 'integer':
      return Number.isInteger(value) ? undefined : `${at}: must be an integer`;
    case 'number':
      return typeof value === 'number' ? undefined : `${at}: must be a number`;
    default:
      return typeof value === schema.type ? undefined : `${at}: must be a ${schema.type}`;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
