import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expectEnvoyValid } from '../../test/envoy/upstream-root';
import type { MainIo } from '../main';
import { run } from '../main';
import { parseResources as parseEnvoyResources } from '../xds/resources-file';

const TESTDATA = path.join(__dirname, '../../test/translate/testdata');
/** The kgateway seed as published: the guide's prerequisites and its Upstream + HTTPRoute. */
const SEED_BASE = fs.readFileSync(path.join(TESTDATA, 'base/kgateway.yaml'), 'utf8');
const SEED = fs.readFileSync(path.join(TESTDATA, 'seed-kgateway-upstream-health.in.yaml'), 'utf8');

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...argv: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const io: MainIo = { env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), onSignal: () => () => undefined };
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

type EnvoyJson = Record<'listeners' | 'routes' | 'clusters' | 'endpoints', Record<string, unknown>[]>;

describe('healthplane translate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-translate-'));
    fs.writeFileSync(path.join(dir, 'base.yaml'), SEED_BASE);
    fs.writeFileSync(path.join(dir, 'upstream.yaml'), SEED);
    fs.mkdirSync(path.join(dir, 'broken'));
    fs.writeFileSync(path.join(dir, 'broken', 'bad.yaml'), SEED.replace('maxEjectionPercent: 100', 'maxEjectionPercent: 150'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name: string): string => path.join(dir, name);

  it("prints {listeners, routes, clusters, endpoints} in Envoy's JSON form and the warnings on stderr", async () => {
    const r = await cli('translate', '-f', file('base.yaml'), '-f', file('upstream.yaml'));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as EnvoyJson;
    expect(Object.keys(json)).toEqual(['listeners', 'routes', 'clusters', 'endpoints']);
    const cluster = json.clusters[0] as Record<string, unknown>;
    expect(cluster).toMatchObject({
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      name: 'httpbin_httpbin',
      health_checks: [{ timeout: '1s', interval: '2s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/status/503' } }],
      outlier_detection: { consecutive_5xx: 3, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 },
      ignore_health_on_host_removal: true,
    });
    expect(json.listeners.map((l) => l.name)).toEqual(['http_8080']);
    expect(json.endpoints.map((e) => e.cluster_name)).toEqual(['httpbin_httpbin']);
    expect(r.stderr).toMatch(new RegExp(`^${file('upstream.yaml')}:15: warning: Upstream/httpbin/httpbin spec.healthChecks\\[0\\].healthyThreshold: .*\\(Defaulted\\)$`, 'm'));
    expect(r.stderr).toMatch(/^0 errors, \d+ warnings$/m);
  });

  it('emits resources that hold to the upstream Envoy validation rules and load back as an --xds-resources file', async () => {
    const r = await cli('translate', '-f', file('base.yaml'), file('upstream.yaml'));
    const json = JSON.parse(r.stdout) as EnvoyJson;
    const load = parseEnvoyResources(r.stdout, 'translated.json');
    if (!load.ok) throw new Error(load.errors.join('\n'));
    expect(load.resources.clusters).toHaveLength(json.clusters.length);
    load.resources.clusters.forEach((c) => expectEnvoyValid('envoy.config.cluster.v3.Cluster', c));
    load.resources.endpoints.forEach((e) => expectEnvoyValid('envoy.config.endpoint.v3.ClusterLoadAssignment', e));
    load.resources.listeners.forEach((l) => expectEnvoyValid('envoy.config.listener.v3.Listener', l));
    load.resources.routes.forEach((rc) => expectEnvoyValid('envoy.config.route.v3.RouteConfiguration', rc));
  });

  it('prints the same document as YAML with -o yaml', async () => {
    const asJson = await cli('translate', '-f', file('base.yaml'), '-f', file('upstream.yaml'));
    const asYaml = await cli('translate', '-f', file('base.yaml'), '-f', file('upstream.yaml'), '-o', 'yaml');
    expect(asYaml.code).toBe(0);
    expect(asYaml.stdout.trimStart().startsWith('{')).toBe(false);
    expect(parseYaml(asYaml.stdout)).toEqual(JSON.parse(asJson.stdout));
  });

  it('reads a folder recursively; exits 1 on errors, naming file:line, the object, the field and the reason', async () => {
    const r = await cli('translate', '-f', dir);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toContain(`${file('broken/bad.yaml')}:23: error: Upstream/httpbin/httpbin spec.outlierDetection.maxEjectionPercent: maxEjectionPercent 150 is not a percentage in 0-100 (Invalid)`);
    expect(errors.some((l) => /Duplicate/.test(l))).toBe(true); // the folder holds the Upstream twice
    expect(JSON.parse(r.stdout)).toHaveProperty('clusters'); // what would be served is still printed
  });

  it('reports a path that does not exist as an error', async () => {
    const r = await cli('translate', '-f', file('nope.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${file('nope.yaml')}: error: cannot read: .*ENOENT.* \\(ReadError\\)$`, 'm'));
  });

  it('refuses to run without a path (exit 2) and documents its flags with --help', async () => {
    const none = await cli('translate');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--filename \(-f\): give at least one file or folder/);
    const help = await cli('translate', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: healthplane translate -f PATH\.\.\. \[-o json\|yaml\]/);
    expect(help.stdout).toMatch(/-f, --filename PATH/);
    expect(help.stdout).toMatch(/-o, --output json\|yaml/);
    expect((await cli('translate', '-f', file('base.yaml'), '-o', 'xml')).stderr).toMatch(/--output: "xml" is not one of json, yaml/);
  });
});
