import { parseResources } from './parse';
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
