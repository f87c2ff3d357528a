import { caseNames, loadStage1Case, TRANSLATE_DIR } from '../../test/golden/harness';
import { decodeObject } from '../model/decode';
import { KINDS, toInputResources, type AnyResource } from '../model/resources';
import type { TranslateOptions } from './context';
import { translateInputs, TranslationCache } from './translate';
import { seededNumbers } from '../../test/fakes/fake-clock';

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

interface Leaf {
  readonly holder: Json[] | { [k: string]: Json };
  readonly key: string | number;
  readonly value: Json;
}

/** Every leaf and array under an object's metadata and spec (what an edit may change). */
function leaves(o: AnyResource): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: Json, holder: Leaf['holder'], key: string | number): void => {
    out.push({ holder, key, value: v });
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, v, i));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, v, k);
  };
  const root = o as unknown as { metadata: Json; spec: Json };
  walk(root.metadata, root as unknown as Leaf['holder'], 'metadata');
  walk(root.spec, root as unknown as Leaf['holder'], 'spec');
  return out;
}

/**
 * A copy of `o` with one field changed (to another value seen in the corpus, a nearby number, or
 * removed), decoded again like a parsed object; `o` itself when the change does not decode.
 */
function mutated(o: AnyResource, rand: () => number, strings: readonly string[]): AnyResource {
  const copy = changedCopy(o, rand, strings);
  const { apiVersion, kind, metadata, spec } = copy as unknown as Record<string, unknown>;
  const raw = kind === 'EndpointSlice' ? { apiVersion, kind, metadata, ...(spec as object) } : { apiVersion, kind, metadata, spec };
  return decodeObject(raw, o.origin).resource ?? o;
}

function changedCopy(o: AnyResource, rand: () => number, strings: readonly string[]): AnyResource {
  const copy = clone(o);
  const all = leaves(copy);
  const leaf = all[Math.floor(rand() * all.length)] as Leaf;
  const set = (v: Json): void => {
    (leaf.holder as Record<string | number, Json>)[leaf.key] = v;
  };
  const r = rand();
  if (typeof leaf.value === 'number') set(r < 0.5 ? leaf.value + 1 : r < 0.75 ? 0 : 70000);
  else if (typeof leaf.value === 'boolean') set(!leaf.value);
  else if (typeof leaf.value === 'string') set(r < 0.7 ? (strings[Math.floor(rand() * strings.length)] ?? '') : `${leaf.value}x`);
  else if (Array.isArray(leaf.value) && leaf.value.length > 0) {
    if (r < 0.5) leaf.value.pop();
    else leaf.value.push(structuredClone(leaf.value[0] as Json));
  } else if (!Array.isArray(leaf.holder) && leaf.key !== 'metadata' && leaf.key !== 'spec') delete (leaf.holder as Record<string, Json>)[leaf.key as string];
  return copy;
}

/** A copy with new identities throughout (the origin, immutable, is shared). */
function clone(o: AnyResource): AnyResource {
  const { origin, ...rest } = o;
  return { ...structuredClone(rest), ...(origin ? { origin } : {}) } as AnyResource;
}

function stringsOf(objects: readonly AnyResource[]): string[] {
  const out = new Set<string>();
  for (const o of objects) for (const l of leaves(o)) if (typeof l.value === 'string' && l.value.length < 80) out.add(l.value);
  return [...out].sort();
}

function objectsOf(name: string): { objects: AnyResource[]; options: Partial<TranslateOptions> } {
  const c = loadStage1Case(name);
  return { objects: KINDS.flatMap((k) => [...c.inputs[k.field]] as AnyResource[]), options: c.options };
}

/** Applies one random edit (remove, restore, change, clone, duplicate, reorder, import) to `list`. */
function edit(list: AnyResource[], pool: readonly AnyResource[], rand: () => number, strings: readonly string[]): void {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const at = (): number => Math.floor(rand() * list.length);
  const op = Math.floor(rand() * 8);
  if (list.length === 0 || op === 0) list.splice(Math.floor(rand() * (list.length + 1)), 0, pick(pool));
  else if (op === 1) list.splice(at(), 1);
  else if (op === 2 || op === 3) {
    const i = at();
    list[i] = mutated(list[i] as AnyResource, rand, strings);
  } else if (op === 4) {
    const i = at();
    list[i] = clone(list[i] as AnyResource);
  } else if (op === 5) list.splice(at(), 0, rand() < 0.5 ? (list[at()] as AnyResource) : clone(list[at()] as AnyResource));
  else if (op === 6) {
    const [i, j] = [at(), at()];
    [list[i], list[j]] = [list[j] as AnyResource, list[i] as AnyResource];
  } else list.splice(at(), 1, pick(pool));
}

function expectSameAsFresh(list: readonly AnyResource[], options: Partial<TranslateOptions>, cache: TranslationCache, step: string): void {
  const inputs = toInputResources(list);
  const incremental = translateInputs(inputs, options, cache);
  const fresh = translateInputs(inputs, options);
  const a = JSON.stringify(incremental);
  const b = JSON.stringify(fresh);
  if (a !== b) throw new Error(`incremental translation differs from a fresh one after ${step}:\nincremental ${a}\nfresh       ${b}`);
}

const cases = caseNames(TRANSLATE_DIR, '.in.yaml');

describe('TranslationCache: incremental translation equals a fresh one', () => {
  it.each(cases)('over random edits of %s', (name) => {
    const { objects, options } = objectsOf(name);
    const rand = seededNumbers(name.length * 7919 + name.charCodeAt(0));
    const strings = stringsOf(objects);
    const cache = new TranslationCache();
    const list = [...objects];
    expectSameAsFresh(list, options, cache, 'the first translation');
    for (let i = 0; i < 40; i++) {
      edit(list, objects, rand, strings);
      expectSameAsFresh(list, options, cache, `edit ${i}`);
    }
  });

  it('over random edits of every case together (duplicates, cross references)', () => {
    const all = cases.flatMap((c) => objectsOf(c).objects);
    const rand = seededNumbers(42);
    const strings = stringsOf(all);
    const cache = new TranslationCache();
    const list = all.filter(() => rand() < 0.5);
    expectSameAsFresh(list, {}, cache, 'the first translation');
    for (let i = 0; i < 300; i++) {
      for (let k = Math.floor(rand() * 4); k >= 0; k--) edit(list, all, rand, strings);
      expectSameAsFresh(list, {}, cache, `edit round ${i}`);
    }
  });

  it('when the same cache alternates between two input sets and between options', () => {
    const { objects } = objectsOf(cases.find((c) => c.includes('route')) ?? (cases[0] as string));
    const cache = new TranslationCache();
    const half = objects.filter((_, i) => i % 2 === 0);
    for (let i = 0; i < 6; i++) {
      expectSameAsFresh(i % 2 ? half : objects, i % 3 === 2 ? { gatewayClass: 'other' } : {}, cache, `round ${i}`);
    }
  });
});
