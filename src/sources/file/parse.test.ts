import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources, parseResourcesReusing } from './parse';
import type { Upstream } from '../../model/gloo';
import type { EndpointSlice, Service } from '../../model/kube';

const upstreamYaml = `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata:
  name: httpbin
  namespace: httpbin
spec:
  kube:
    serviceName: httpbin
    servicePort: 8000
  healthChecks:
    - timeout: 1s
      interval: 2s
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin
spec:
  ports:
  - port: 80
`;

describe('parseResources', () => {
  it('reads every document of a multi-document file into typed objects with origins', () => {
    const { objects, problems } = parseResources(upstreamYaml, 'a.yaml');
    expect(problems).toEqual([]);
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name, o.origin?.line])).toEqual([
      ['Upstream', 'httpbin', 'httpbin', 1],
      ['Service', 'default', 'httpbin', 14],
    ]);
    const up = objects[0] as Upstream;
    expect(up.spec.healthChecks?.[0]?.interval).toBe('2s');
    expect(up.origin?.fieldLines?.get('spec.healthChecks[0].interval')).toBe(12);
    expect((objects[1] as Service).spec.ports?.[0]?.port).toBe(80);
  });

  it('reports a wrongly typed field with its file, line, ref and path, and drops only that object', () => {
    const text = upstreamYaml.replace('servicePort: 8000', 'servicePort: eighty');
    const { objects, problems } = parseResources(text, 'b.yaml');
    expect(objects.map((o) => o.kind)).toEqual(['Service']);
    expect(problems).toEqual([
      {
        severity: 'error',
        ref: { kind: 'Upstream', namespace: 'httpbin', name: 'httpbin' },
        file: 'b.yaml',
        line: 9,
        path: 'spec.kube.servicePort',
        reason: 'Invalid',
        message: 'spec.kube.servicePort must be an integer, got "eighty"',
      },
    ]);
  });

  it('reports a YAML syntax error as a file-level problem and still loads the other documents', () => {
    const text = `${upstreamYaml}---\nkind: [unclosed\n`;
    const { objects, problems } = parseResources(text, 'c.yaml');
    expect(objects).toHaveLength(2);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', file: 'c.yaml', line: 23, reason: 'SyntaxError' });
    expect(problems[0]?.ref).toBeUndefined();
  });

  it('ignores unknown kinds with a warning and names the supported apiVersion for known kinds', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: gloo.solo.io/v2\nkind: Upstream\nmetadata: {name: y}\n';
    const { objects, problems } = parseResources(text, 'd.yaml');
    expect(objects).toEqual([]);
    expect(problems.map((p) => [p.severity, p.line, p.reason, p.message])).toEqual([
      ['warning', 1, 'UnsupportedKind', 'kind ConfigMap (v1) is not one healthplane reads; ignored'],
      ['warning', 5, 'UnsupportedKind', 'Upstream gloo.solo.io/v2 is not supported; use gloo.solo.io/v1'],
    ]);
  });

  it('reads JSON, kind: List and top-level lists', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's1', namespace: 'n' }, spec: {} }] });
    expect(parseResources(json, 'e.json').objects.map((o) => o.metadata.name)).toEqual(['s1']);
    const list = '- apiVersion: v1\n  kind: Service\n  metadata: {name: s2}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s3}\n';
    const r = parseResources(list, 'f.yaml');
    expect(r.objects.map((o) => [o.metadata.name, o.origin?.line])).toEqual([['s2', 1], ['s3', 4]]);
  });

  it('moves EndpointSlice top-level fields under spec', () => {
    const text = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: httpbin-abc
  labels: {kubernetes.io/service-name: httpbin}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: true}
`;
    const { objects, problems } = parseResources(text, 'g.yaml');
    expect(problems).toEqual([]);
    const slice = objects[0] as EndpointSlice;
    expect(slice.spec).toEqual({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }] });
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'httpbin' });
  });

  it('converts unquoted annotation values with a warning', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    konghq.com/strip-path: true\n';
    const { objects, problems } = parseResources(text, 'h.yaml');
    expect(objects[0]?.metadata.annotations).toEqual({ 'konghq.com/strip-path': 'true' });
    expect(problems).toMatchObject([{ severity: 'warning', line: 6, path: 'metadata.annotations["konghq.com/strip-path"]', reason: 'Coerced' }]);
  });

  it('warns about unknown fields and suggests the near miss', () => {
    const text = 'apiVersion: gloo.solo.io/v1\nkind: Upstream\nmetadata: {name: u}\nspec:\n  healthChecks:\n  - healthyTreshold: 1\n';
    const { objects, problems } = parseResources(text, 'i.yaml');
    expect(objects).toHaveLength(1);
    expect(problems).toMatchObject([
      { severity: 'warning', line: 6, path: 'spec.healthChecks[0].healthyTreshold', reason: 'UnknownField', message: 'unknown field spec.healthChecks[0].healthyTreshold ignored (did you mean healthyThreshold?)' },
    ]);
  });

  it('rejects objects without a name or missing a required field', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {}\n';
    const { objects, problems } = parseResources(text, 'j.yaml');
    expect(objects).toEqual([]);
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [3, 'metadata.name', 'metadata.name is required'],
      [8, 'spec.controllerName', 'spec.controllerName is required'],
    ]);
  });

  it('reports duplicate keys as syntax errors', () => {
    const { problems } = parseResources('apiVersion: v1\nkind: Service\nkind: Service\nmetadata: {name: s}\n', 'k.yaml');
    expect(problems).toMatchObject([{ severity: 'error', reason: 'SyntaxError', line: 3 }]);
  });
});

/** Every .yaml file under a folder of the repository. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : name.endsWith('.yaml') ? [path] : [];
  });
}

const EDGE_CASES: Record<string, string> = {
  comments: '# a comment\n---\n# before\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n# after\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  crlf: 'apiVersion: v1\r\nkind: Service\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Service\r\nmetadata: {name: b}\r\n',
  inlineStart: '--- {apiVersion: v1, kind: Service, metadata: {name: a}}\n--- {apiVersion: v1, kind: Service, metadata: {name: b}}\n',
  blockScalar: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n    note: |\n      ---\n      not a marker\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  endMarkers: 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n...\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  directive: '%YAML 1.2\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n',
  syntaxError: 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [Service\n---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\n',
  duplicateKey: 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nkind: Service\nmetadata: {name: b}\n',
  unknownKind: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  list: 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  empty: '',
  onlyMarkers: '---\n---\n',
  bom: '\uFEFFapiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
  json: '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}\n',
  dashesInString: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations: {x: "a\n---\n  b"}\n',
};

describe('parseResourcesReusing', () => {
  const repoFiles = [...yamlFiles(join(__dirname, '../../../test/translate/testdata')), ...yamlFiles(join(__dirname, '../../../examples'))];

  it.each(repoFiles.map((f) => [f.slice(f.indexOf('/test/') >= 0 ? f.indexOf('/test/') + 1 : f.indexOf('/examples/') + 1), f]))('gives what parseResources gives for %s', (_, path) => {
    const text = readFileSync(path, 'utf8');
    const { cache, ...reusing } = parseResourcesReusing(text, 'f.yaml', undefined);
    expect(reusing).toEqual(parseResources(text, 'f.yaml'));
    expect(parseResourcesReusing(text, 'f.yaml', cache)).toEqual({ ...reusing, cache: expect.any(Map) });
  });

  it.each(Object.entries(EDGE_CASES))('gives what parseResources gives for the edge case %s', (_, text) => {
    const { cache: _cache, ...reusing } = parseResourcesReusing(text, 'e.yaml', undefined);
    expect(reusing).toEqual(parseResources(text, 'e.yaml'));
  });

  it('reuses the objects of unchanged documents and parses only the changed one', () => {
    const doc = (name: string, port: number): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  ports: [{port: ${port}}]\n`;
    const before = [doc('a', 80), doc('b', 80), doc('c', 80)].join('---\n');
    const after = [doc('a', 80), doc('b', 81), doc('c', 80)].join('---\n');
    const first = parseResourcesReusing(before, 'x.yaml', undefined);
    const second = parseResourcesReusing(after, 'x.yaml', first.cache);
    expect(second.objects[0]).toBe(first.objects[0]);
    expect(second.objects[1]).not.toBe(first.objects[1]);
    expect(second.objects[2]).toBe(first.objects[2]);
    const { cache: _c, ...rest } = second;
    expect(rest).toEqual(parseResources(after, 'x.yaml'));
    const shifted = parseResourcesReusing(`# one more line\n${after}`, 'x.yaml', second.cache);
    expect(shifted.objects[0]).not.toBe(second.objects[0]); // its lines moved: parsed again
    expect(shifted.objects.map((o) => o.origin?.line)).toEqual([2, 8, 14]);
  });
});
