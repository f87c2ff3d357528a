/**
 * Stage-2 goldens: every test/xds/testdata/<case>.ir.yaml through toXdsResources, compared with
 * <case>.{clusters,endpoints,listeners,routes}.yaml. Every resource must encode with our proto
 * subset and pass Envoy's validation rules. A stage-2 input named like a stage-1 case must equal
 * that case's IR output (UPDATE_GOLDEN=1 copies it), so the seeds are checked end to end.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Ir } from '../../src/ir/types';
import { validateIr } from '../../src/ir/validate';
import { toXdsResources, type XdsResources } from '../../src/xds/translate/index';
import { TypeUrl } from '../../src/xds/type-urls';
import { encodeMessage } from '../../src/xds/proto';
import { expectEnvoyValid } from '../envoy/upstream-root';
import { caseNames, expectGolden, orphanOutputs, STAGE2_OUTPUTS, toYaml, TRANSLATE_DIR, UPDATE, XDS_DIR } from './harness';

const cases = caseNames(XDS_DIR, '.ir.yaml');
const TYPES: readonly [keyof XdsResources, TypeUrl][] = [
  ['clusters', TypeUrl.Cluster],
  ['endpoints', TypeUrl.Endpoint],
  ['listeners', TypeUrl.Listener],
  ['routes', TypeUrl.Route],
];

function readIr(name: string): string {
  const file = join(XDS_DIR, `${name}.ir.yaml`);
  const stage1 = join(TRANSLATE_DIR, `${name}.ir.yaml`);
  if (existsSync(stage1)) {
    const expected = readFileSync(stage1, 'utf8');
    if (UPDATE) writeFileSync(file, expected);
    else expect(readFileSync(file, 'utf8')).toBe(expected);
  }
  return readFileSync(file, 'utf8');
}

describe('stage 2: IR -> Envoy resources', () => {
  it.each(cases)('%s', (name) => {
    const model = YAML.parse(readIr(name)) as Ir;
    expect(validateIr(model)).toEqual([]);
    const out = toXdsResources(model);
    for (const [field, typeUrl] of TYPES) {
      expectGolden(join(XDS_DIR, `${name}.${field}.yaml`), toYaml(out[field]));
      for (const resource of out[field]) {
        expectEnvoyValid(typeUrl, resource);
        expect(() => encodeMessage(typeUrl.slice(typeUrl.lastIndexOf('/') + 1), resource)).not.toThrow();
      }
    }
  });

  it('has no orphan output files', () => {
    expect(orphanOutputs(XDS_DIR, cases, '.ir.yaml', STAGE2_OUTPUTS)).toEqual([]);
  });
});
