/**
 * Every folder of input resources under examples/ must load without errors, translate to a valid IR, and produce
 * Envoy resources that pass Envoy's validation rules (quickstart/ is what `npm start` serves).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources } from '../../src/sources/file/parse';
import { toInputResources } from '../../src/model/resources';
import { translateInputs } from '../../src/translate/translate';
import { validateIr } from '../../src/ir/validate';
import { toXdsResources } from '../../src/xds/translate/index';
import { TypeUrl } from '../../src/xds/type-urls';
import { expectEnvoyValid } from '../envoy/upstream-root';

const ROOT = join(__dirname, '..', '..', 'examples');
/** examples/xds holds raw Envoy resources (served as-is), not input resources. */
const NOT_INPUTS = new Set(['xds']);
const folders = readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory() && !NOT_INPUTS.has(d));

describe('examples', () => {
  it.each(folders)('%s translates without errors into valid Envoy resources', (folder) => {
    const files = readdirSync(join(ROOT, folder)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    const parsed = files.map((f) => parseResources(readFileSync(join(ROOT, folder, f), 'utf8'), f));
    expect(parsed.flatMap((p) => p.problems)).toEqual([]);
    const result = translateInputs(toInputResources(parsed.flatMap((p) => p.objects)));
    expect(result.failures.filter((f) => f.severity === 'error')).toEqual([]);
    expect(validateIr(result.ir)).toEqual([]);
    const xds = toXdsResources(result.ir);
    expect(xds.clusters.map((c) => c.name)).toEqual(expect.arrayContaining(folder === 'quickstart' ? ['httpbin_httpbin', 'httproute.default.demo.0'] : []));
    xds.clusters.forEach((r) => expectEnvoyValid(TypeUrl.Cluster, r));
    xds.endpoints.forEach((r) => expectEnvoyValid(TypeUrl.Endpoint, r));
    xds.listeners.forEach((r) => expectEnvoyValid(TypeUrl.Listener, r));
    xds.routes.forEach((r) => expectEnvoyValid(TypeUrl.Route, r));
  });
});
