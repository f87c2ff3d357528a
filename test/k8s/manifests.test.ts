/**
 * manifests/, Dockerfile and docker-compose.yml, checked offline: every file parses, the CRDs are
 * structural and accept the seeds while refusing what healthplane rejects (and the translator
 * agrees), the deploy manifests keep least privilege and the probes, the examples translate
 * without errors, and the compose Envoy bootstrap is exactly what `healthplane bootstrap` prints.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { bootstrapYaml } from '../../src/cli/bootstrap-command';
import { decodeObject } from '../../src/model/decode';
import type { AnyResource } from '../../src/model/resources';
import { toInputResources } from '../../src/model/resources';
import { parseResources } from '../../src/sources/file/parse';
import { WATCHED_KINDS } from '../../src/sources/kubernetes/kinds';
import { translateInputs } from '../../src/translate/translate';
import { structuralProblems, validate, type Schema } from './crd-schema';

const ROOT = path.resolve(__dirname, '../..');
const MANIFESTS = path.join(ROOT, 'manifests');
type Obj = Record<string, unknown>;

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(e.name) ? [full] : [];
  });
}

function docsOf(file: string): Obj[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS({ maxAliasCount: 100 }) as Obj).filter((d) => d !== null);
}

const all = (dir: string): Obj[] => yamlFiles(path.join(MANIFESTS, dir)).flatMap(docsOf);
const crds = (): Obj[] => all('crds');
const crdFor = (kind: string): { crd: Obj; schema: Schema } => {
  const crd = crds().find((c) => ((c.spec as Obj).names as Obj).kind === kind) as Obj;
  const version = ((crd.spec as Obj).versions as Obj[])[0] as Obj;
  return { crd, schema: (version.schema as Obj).openAPIV3Schema as Schema };
};

describe('manifests', () => {
  it('every manifest parses and names apiVersion, kind and metadata.name', () => {
    for (const dir of ['crds', 'deploy', 'examples']) {
      for (const file of yamlFiles(path.join(MANIFESTS, dir))) {
        for (const doc of docsOf(file)) {
          expect([file, typeof doc.apiVersion, typeof doc.kind, typeof (doc.metadata as Obj | undefined)?.name]).toEqual([file, 'string', 'string', 'string']);
        }
      }
    }
  });

  describe.each(['Upstream', 'KongUpstreamPolicy'])('the %s CRD', (kind) => {
    it('is structural, named plural.group, with one storage version, a status subresource and printer columns', () => {
      const { crd, schema } = crdFor(kind);
      const spec = crd.spec as Obj;
      const names = spec.names as Obj;
      expect((crd.metadata as Obj).name).toBe(`${names.plural}.${spec.group}`);
      const versions = spec.versions as Obj[];
      expect(versions.filter((v) => v.storage === true)).toHaveLength(1);
      expect(structuralProblems(schema)).toEqual([]);
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['spec', 'status']));
      expect((versions[0]?.subresources as Obj).status).toEqual({});
      for (const c of versions[0]?.additionalPrinterColumns as Obj[]) expect(String(c.jsonPath)).toMatch(/^\./);
      const watched = WATCHED_KINDS.find((k) => k.kind === kind);
      expect([spec.group, versions[0]?.name, names.plural]).toEqual([watched?.group, watched?.version, watched?.plural]);
    });
  });

  const seeds = (kind: string): Obj[] => [...all('examples'), ...yamlFiles(path.join(ROOT, 'examples/quickstart')).flatMap(docsOf)].filter((d) => d.kind === kind);

  it.each(['Upstream', 'KongUpstreamPolicy'])('accepts the seeds\' %s objects', (kind) => {
    const { schema } = crdFor(kind);
    const objects = seeds(kind);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(validate(schema, o)).toEqual([]);
  });

  const upstream = (spec: Obj): Obj => ({ apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', metadata: { name: 'u', namespace: 'default' }, spec });
  const kube = { serviceName: 'httpbin', servicePort: 8000 };
  const check = (extra: Obj = {}): Obj => ({ timeout: '1s', interval: '2s', unhealthyThreshold: 1, healthyThreshold: 1, httpHealthCheck: { path: '/status/200' }, ...extra });
  const policy = (spec: Obj): Obj => ({ apiVersion: 'configuration.konghq.com/v1beta1', kind: 'KongUpstreamPolicy', metadata: { name: 'p', namespace: 'default' }, spec });

  const refused: [string, Obj, RegExp][] = [
    ['no upstream type', upstream({}), /exactly one upstream type/],
    ['two upstream types', upstream({ kube, static: { hosts: [{ addr: '10.0.0.1', port: 80 }] } }), /exactly one upstream type/],
    ['servicePort 0', upstream({ kube: { serviceName: 'httpbin', servicePort: 0 } }), /servicePort: 0 is below 1/],
    ['a static host without a port', upstream({ static: { hosts: [{ addr: '10.0.0.1' }] } }), /port: Required value/],
    ['maxEjectionPercent 101', upstream({ kube, outlierDetection: { interval: '10s', maxEjectionPercent: 101 } }), /maxEjectionPercent: 101 is above 100/],
    ['outlier detection without interval', upstream({ kube, outlierDetection: { consecutive5xx: 3 } }), /interval: Required value/],
    ['a health check without unhealthyThreshold', upstream({ kube, healthChecks: [check({ unhealthyThreshold: undefined })] }), /unhealthyThreshold: Required value/],
    ['a health check with two checkers', upstream({ kube, healthChecks: [check({ tcpHealthCheck: {} })] }), /exactly one of httpHealthCheck/],
    ['a health check with no checker', upstream({ kube, healthChecks: [check({ httpHealthCheck: undefined })] }), /exactly one of httpHealthCheck/],
    ['two health checks', upstream({ kube, healthChecks: [check(), check()] }), /more than 1 items/],
    ['a duration that is not Go syntax', upstream({ kube, healthChecks: [check({ interval: '2 seconds' })] }), /does not match/],
    ['method CONNECT', upstream({ kube, healthChecks: [check({ httpHealthCheck: { path: '/', method: 'CONNECT' } })] }), /is not one of/],
    ['an expected status range upside down', upstream({ kube, healthChecks: [check({ httpHealthCheck: { path: '/', expectedStatuses: [{ start: 300, end: 200 }] } })] }), /start must be lower than end/],
    ['healthyPanicThreshold 150', upstream({ kube, loadBalancerConfig: { healthyPanicThreshold: 150 } }), /is above 100/],
    ['an unknown algorithm', policy({ algorithm: 'random' }), /is not one of/],
    ['slots 5', policy({ slots: 5 }), /slots: 5 is below 10/],
    ['threshold 101', policy({ healthchecks: { threshold: 101 } }), /threshold: 101 is above 100/],
    ['a counter of 255', policy({ healthchecks: { active: { healthy: { successes: 255 } } } }), /successes: 255 is above 254/],
    ['an interval over 65535', policy({ healthchecks: { active: { unhealthy: { interval: 70000 } } } }), /interval: 70000 is above 65535/],
    ['a status of 600', policy({ healthchecks: { active: { healthy: { httpStatuses: [200, 600] } } } }), /is above 599/],
    ['httpPath without /', policy({ healthchecks: { active: { httpPath: 'status' } } }), /does not match/],
    ['a passive interval', policy({ healthchecks: { passive: { healthy: { interval: 5 } } } }), /passive.healthy.interval must not be set/],
    ['hashOn without a hashing algorithm', policy({ hashOn: { input: 'ip' } }), /hashOn can only be set/],
    ['two hashing inputs', policy({ algorithm: 'consistent-hashing', hashOn: { input: 'ip', header: 'x' } }), /only one of input/],
    ['a cookie without cookiePath', policy({ algorithm: 'consistent-hashing', hashOn: { cookie: 'c' } }), /cookie and cookiePath/],
    ['hashOnFallback with round-robin', policy({ algorithm: 'round-robin', hashOnFallback: { input: 'ip' } }), /hashOnFallback can only be set/],
  ];

  it.each(refused)('refuses %s at apply time, and the translator rejects it too', (_what, object, message) => {
    const { schema } = crdFor(String(object.kind));
    expect(validate(schema, object).join('\n')).toMatch(message);
    expect(translatorErrors(object)).not.toEqual([]);
  });

  it('refuses unknown KongUpstreamPolicy fields (the schema is closed, as Kong\'s; the translator only warns)', () => {
    const object = policy({ healthcheck: {} });
    expect(validate(crdFor('KongUpstreamPolicy').schema, object).join()).toMatch(/spec.healthcheck: unknown field/);
    expect(decodeObject(object).problems.map((p) => p.reason)).toEqual(['UnknownField']);
  });

  it('accepts what the translator accepts', () => {
    const fine = [
      upstream({ kube, healthChecks: [check({ httpHealthCheck: { path: '/h', method: 'HEAD', expectedStatuses: [{ start: 200, end: 300 }] } })], outlierDetection: { interval: '10s', consecutive5xx: 5, maxEjectionPercent: 100 } }),
      upstream({ static: { hosts: [{ addr: 'example.com', port: 443 }] }, healthChecks: [check({ httpHealthCheck: undefined, tcpHealthCheck: { send: { text: '0a0b' }, receive: [{ text: 'ff' }] } })] }),
      policy({ algorithm: 'consistent-hashing', hashOn: { header: 'x-user' }, hashOnFallback: { input: 'ip' }, healthchecks: { threshold: 50, active: { type: 'tcp', healthy: { interval: 5, successes: 254 } } } }),
    ];
    for (const o of fine) {
      expect(validate(crdFor(String(o.kind)).schema, o)).toEqual([]);
      expect(translatorErrors(o).filter((p) => p !== 'BackendNotFound')).toEqual([]);
    }
  });

  it('deploys two replicas with /ready readiness, a liveness probe, requests and a non-root user', () => {
    const deployment = all('deploy').find((d) => d.kind === 'Deployment') as Obj;
    const spec = deployment.spec as Obj;
    expect(spec.replicas).toBe(2);
    const pod = (spec.template as Obj).spec as Obj;
    const container = (pod.containers as Obj[])[0] as Obj;
    expect(((container.readinessProbe as Obj).httpGet as Obj).path).toBe('/ready');
    expect(container.livenessProbe).toBeDefined();
    expect(((container.resources as Obj).requests as Obj).memory).toBeDefined();
    expect((pod.securityContext as Obj).runAsNonRoot).toBe(true);
    expect(container.args).toEqual(expect.arrayContaining(['serve', '--kubernetes']));
    const env = (container.env as Obj[]).map((e) => e.name);
    expect(env).toEqual(expect.arrayContaining(['POD_NAME', 'POD_NAMESPACE']));
    const service = all('deploy').find((d) => d.kind === 'Service') as Obj;
    expect(((service.spec as Obj).ports as Obj[])[0]).toMatchObject({ port: 18000, targetPort: 'xds' });
  });

  it('grants read access to every watched kind, writes only status subresources and one Lease', () => {
    const role = all('deploy').find((d) => d.kind === 'ClusterRole') as Obj;
    const rules = role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    for (const k of WATCHED_KINDS) {
      const r = rules.find((x) => x.apiGroups.includes(k.group) && x.resources.includes(k.plural));
      expect([k.kind, r?.verbs]).toEqual([k.kind, ['get', 'list', 'watch']]);
    }
    for (const r of rules) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      const writes = r.verbs.filter((v) => !['get', 'list', 'watch'].includes(v));
      if (writes.length > 0) expect(r.resources.every((x) => x.endsWith('/status'))).toBe(true);
    }
    const leaseRole = all('deploy').find((d) => d.kind === 'Role') as Obj;
    const leaseRules = leaseRole.rules as { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    expect(leaseRules.every((r) => r.resources.join() === 'leases')).toBe(true);
    expect(leaseRules.find((r) => r.verbs.includes('update'))?.resourceNames).toEqual(['healthplane-status']);
  });

  it('examples translate without errors (with the compose EndpointSlices) into the seeds\' clusters', () => {
    const objects: AnyResource[] = [];
    const problems: string[] = [];
    for (const file of [...yamlFiles(path.join(MANIFESTS, 'examples')), path.join(MANIFESTS, 'compose/endpoint-slices.yaml')]) {
      const parsed = parseResources(fs.readFileSync(file, 'utf8'), file);
      objects.push(...parsed.objects);
      problems.push(...parsed.problems.filter((p) => p.severity === 'error').map((p) => `${file}: ${p.message}`));
    }
    expect(problems).toEqual([]);
    const result = translateInputs(toInputResources(objects));
    expect(result.failures.filter((f) => f.severity === 'error')).toEqual([]);
    const backends = result.ir.backends.map((b) => b.name);
    expect(backends).toEqual(expect.arrayContaining(['httpbin_httpbin', 'httproute.default.demo.0']));
  });
});

describe('containers', () => {
  it('the compose Envoy bootstrap is what `healthplane bootstrap` prints', () => {
    const committed = fs.readFileSync(path.join(MANIFESTS, 'compose/envoy-bootstrap.yaml'), 'utf8');
    const generated = bootstrapYaml({ nodeId: 'envoy-compose', nodeCluster: 'compose', xds: { address: 'healthplane', port: 18000 }, delta: false, adminPort: 9901 });
    expect(committed).toBe(generated);
  });

  it('docker-compose.yml runs healthplane on the mounted examples, Envoy on the generated bootstrap, and httpbin', () => {
    const compose = docsOf(path.join(ROOT, 'docker-compose.yml'))[0] as { services: Record<string, Obj> };
    expect(Object.keys(compose.services).sort()).toEqual(['envoy', 'healthplane', 'httpbin']);
    const mounts = Object.values(compose.services).flatMap((s) => (s.volumes as string[] | undefined) ?? []);
    for (const m of mounts) expect(fs.existsSync(path.join(ROOT, m.split(':')[0] as string))).toBe(true);
    expect(mounts).toEqual(expect.arrayContaining(['./manifests/examples:/etc/healthplane/examples:ro', './manifests/compose/envoy-bootstrap.yaml:/etc/envoy/bootstrap.yaml:ro']));
    expect(compose.services.healthplane?.command).toEqual(expect.arrayContaining(['serve', '--config-dir=/etc/healthplane', '--xds-port=18000']));
    expect(String(compose.services.envoy?.image)).toMatch(/^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    const httpbinIp = ((compose.services.httpbin?.networks as Obj).seeds as Obj).ipv4_address;
    const slices = docsOf(path.join(MANIFESTS, 'compose/endpoint-slices.yaml'));
    for (const s of slices) expect(((s.endpoints as Obj[])[0] as Obj).addresses).toEqual([httpbinIp]);
  });

  const composeBin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((f) => fs.existsSync(f));
  (composeBin ? it : it.skip)('docker-compose config accepts docker-compose.yml (when the docker-compose package is installed)', () => {
    const out = execFileSync(composeBin as string, ['-f', path.join(ROOT, 'docker-compose.yml'), 'config', '--services'], { encoding: 'utf8', timeout: 30_000 });
    expect(out.trim().split('\n').sort()).toEqual(['envoy', 'healthplane', 'httpbin']);
  });

  it('the Dockerfile builds in stages onto Node 20 slim, runs as a non-root user, and copies only what exists', () => {
    const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const froms = text.split('\n').filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[froms.length - 1]).toMatch(/^FROM node:20[-.\w]*slim/);
    const final = text.slice(text.lastIndexOf('\nFROM '));
    expect(final).toMatch(/\nUSER [1-9]\d*(:\d+)?\n/);
    expect(final).toMatch(/ENTRYPOINT \["node", "\/app\/bin\/healthplane.js"\]/);
    for (const line of text.split('\n').filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const s of sources) expect([s, fs.existsSync(path.join(ROOT, s))]).toEqual([s, true]);
    }
  });
});

/** Errors (by reason) the decoder and translator report for one object, with the Service it names. */
function translatorErrors(object: Obj): string[] {
  const decoded = decodeObject(object);
  const errors = decoded.problems.filter((p) => p.severity === 'error').map((p) => p.reason);
  if (!decoded.resource) return errors;
  const annotations = object.kind === 'KongUpstreamPolicy' ? { 'konghq.com/upstream-policy': 'p' } : {};
  const svc = decodeObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'default', annotations }, spec: { ports: [{ port: 8000 }] } }).resource as AnyResource;
  const result = translateInputs(toInputResources([decoded.resource, svc]));
  return [...errors, ...result.failures.filter((f) => f.severity === 'error').map((f) => f.reason)];
}
