/**
 * Golden-file harness for both translation stages. Stage 1: test/translate/testdata/<case>.in.yaml
 * (plus the base bundles named on its `# base:` line) -> <case>.{ir,failures,statuses}.yaml.
 * Stage 2: test/xds/testdata/<case>.ir.yaml -> <case>.{clusters,endpoints,listeners,routes}.yaml.
 * `UPDATE_GOLDEN=1 npx jest test/golden` rewrites outputs and deletes orphans; otherwise any
 * difference or orphan fails.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseResources } from '../../src/sources/file/parse';
import { refKey } from '../../src/model/keys';
import { toInputResources, type AnyResource, type InputResources } from '../../src/model/resources';
import type { Problem } from '../../src/model/problems';
import type { TranslateOptions } from '../../src/translate/context';

export const UPDATE = process.env.UPDATE_GOLDEN === '1';
export const TRANSLATE_DIR = join(__dirname, '..', 'translate', 'testdata');
export const XDS_DIR = join(__dirname, '..', 'xds', 'testdata');
export const STAGE1_OUTPUTS = ['.ir.yaml', '.failures.yaml', '.statuses.yaml'];
export const STAGE2_OUTPUTS = ['.clusters.yaml', '.endpoints.yaml', '.listeners.yaml', '.routes.yaml'];

/** Case names: files `<case><inputSuffix>` in `dir`. */
export function caseNames(dir: string, inputSuffix: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(inputSuffix)).map((f) => f.slice(0, -inputSuffix.length)).sort();
}

/** YAML with lists of scalars on one line (`[200, 302]`), so goldens stay short. */
export function toYaml(value: unknown): string {
  const doc = new YAML.Document(value, { aliasDuplicateObjects: false });
  YAML.visit(doc, {
    Seq(_, node) {
      if (node.items.length > 0 && node.items.every((i) => YAML.isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Compares `actual` with the golden file (or rewrites it under UPDATE_GOLDEN=1). */
export function expectGolden(file: string, actual: string): void {
  if (UPDATE) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== actual) writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`missing golden file ${file}; run UPDATE_GOLDEN=1 npx jest test/golden`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** Output files in `dir` that belong to no case (deleted under UPDATE_GOLDEN=1). */
export function orphanOutputs(dir: string, cases: readonly string[], inputSuffix: string, outputs: readonly string[], extraInputs: readonly string[] = []): string[] {
  const known = new Set(cases.flatMap((c) => [`${c}${inputSuffix}`, ...outputs.map((o) => `${c}${o}`)]));
  const orphans = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && !known.has(d.name) && !extraInputs.includes(d.name)).map((d) => d.name);
  if (UPDATE) for (const o of orphans) unlinkSync(join(dir, o));
  return UPDATE ? [] : orphans;
}

export interface Stage1Case {
  readonly inputs: InputResources;
  readonly parseProblems: readonly Problem[];
  readonly options: Partial<TranslateOptions>;
}

/**
 * Loads a stage-1 case: its `# base: a, b` bundles from testdata/base/<name>.yaml, then the case's
 * own objects, which replace base objects of the same kind/namespace/name (like `kubectl apply`).
 * A `# options: {json}` line passes translate options.
 */
export function loadStage1Case(name: string): Stage1Case {
  const file = `${name}.in.yaml`;
  const text = readFileSync(join(TRANSLATE_DIR, file), 'utf8');
  const header = (key: string): string | undefined => new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const bases = (header('base') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const problems: Problem[] = [];
  const byKey = new Map<string, AnyResource>();
  for (const base of bases) {
    const rel = `base/${base}.yaml`;
    const parsed = parseResources(readFileSync(join(TRANSLATE_DIR, rel), 'utf8'), rel);
    problems.push(...parsed.problems);
    for (const o of parsed.objects) byKey.set(keyOf(o), o);
  }
  const parsed = parseResources(text, file);
  problems.push(...parsed.problems);
  const own = new Set(parsed.objects.map(keyOf));
  const objects = [...[...byKey.values()].filter((o) => !own.has(keyOf(o))), ...parsed.objects];
  const options = header('options');
  return { inputs: toInputResources(objects), parseProblems: problems, options: options ? (JSON.parse(options) as Partial<TranslateOptions>) : {} };
}

function keyOf(o: AnyResource): string {
  return refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}
