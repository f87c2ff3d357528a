/**
 * A tiny vocabulary for describing the JSON shape of input kinds (types, required fields), used
 * by decode.ts to turn untrusted parsed YAML into the typed model. Data only.
 */

export type Shape =
  | { readonly t: 'string'; readonly coerce?: boolean }
  | { readonly t: 'int' }
  | { readonly t: 'number' }
  | { readonly t: 'bool' }
  | { readonly t: 'intOrString' }
  | { readonly t: 'any' }
  | { readonly t: 'array'; readonly of: Shape }
  | { readonly t: 'map'; readonly of: Shape }
  | ObjectShape;

export interface ObjectShape {
  readonly t: 'object';
  readonly fields: Readonly<Record<string, Shape>>;
  readonly required?: readonly string[];
  /** Unknown fields are dropped silently instead of with a warning (metadata, free-form maps). */
  readonly open?: boolean;
}

export const str: Shape = { t: 'string' };
/** A string that also accepts a scalar (number, boolean) and converts it, with a warning. */
export const scalarStr: Shape = { t: 'string', coerce: true };
export const int: Shape = { t: 'int' };
export const num: Shape = { t: 'number' };
export const bool: Shape = { t: 'bool' };
export const intOrString: Shape = { t: 'intOrString' };
export const anyValue: Shape = { t: 'any' };

export function arr(of: Shape): Shape {
  return { t: 'array', of };
}

export function map(of: Shape): Shape {
  return { t: 'map', of };
}

export function obj(fields: Record<string, Shape>, required: readonly string[] = [], open = false): ObjectShape {
  return { t: 'object', fields, required, open };
}
