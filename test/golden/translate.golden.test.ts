/**
 * Stage-1 goldens: every test/translate/testdata/<case>.in.yaml (with its base bundles) through
 * parseResources + translateInputs, compared with <case>.{ir,failures,statuses}.yaml.
 * UPDATE_GOLDEN=1 npx jest test/golden rewrites them.
 */
import { join } from 'node:path';
import { translateInputs } from '../../src/translate/translate';
import { validateIr } from '../../src/ir/validate';
import { KINDS, type InputResources } from '../../src/model/resources';
import { caseNames, expectGolden, loadStage1Case, orphanOutputs, STAGE1_OUTPUTS, toYaml, TRANSLATE_DIR } from './harness';

const cases = caseNames(TRANSLATE_DIR, '.in.yaml');

describe('stage 1: input resources -> IR', () => {
  it.each(cases)('%s', (name) => {
    const c = loadStage1Case(name);
    const result = translateInputs(c.inputs, c.options);
    expect(validateIr(result.ir)).toEqual([]);
    expectGolden(join(TRANSLATE_DIR, `${name}.ir.yaml`), toYaml(result.ir));
    expectGolden(join(TRANSLATE_DIR, `${name}.failures.yaml`), toYaml([...c.parseProblems, ...result.failures]));
    expectGolden(join(TRANSLATE_DIR, `${name}.statuses.yaml`), toYaml(result.statuses));
  });

  it.each(cases)('%s does not depend on input order', (name) => {
    const c = loadStage1Case(name);
    const reversed = Object.fromEntries(KINDS.map((k) => [k.field, [...c.inputs[k.field]].reverse()])) as unknown as InputResources;
    const a = translateInputs(c.inputs, c.options);
    if (a.failures.some((f) => f.reason === 'Duplicate')) return; // the first definition wins, by design
    const b = translateInputs(reversed, c.options);
    expect(toYaml(b.ir)).toBe(toYaml(a.ir));
    expect(toYaml(b.statuses)).toBe(toYaml(a.statuses));
  });

  it('has no orphan output files', () => {
    expect(orphanOutputs(TRANSLATE_DIR, cases, '.in.yaml', STAGE1_OUTPUTS)).toEqual([]);
  });
});
