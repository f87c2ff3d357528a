import fs from 'node:fs';
import path from 'node:path';
import { FakeClock } from '../../test/fakes/fake-clock';
import { silentLogger } from '../log';
import type { Problem } from '../model/problems';
import { Reconciler } from '../reconcile/reconciler';
import { parseResources } from '../sources/file/parse';
import { ResourceStore } from '../sources/store';
import { translateInputs } from '../translate/translate';
import { SnapshotCache } from '../xds/cache/snapshot-cache';
import { toXdsResources } from '../xds/translate';
import type { AdminResponse } from './admin-server';
import { statusHandler, statusView, type StatusView } from './status-page';

const BASE = fs.readFileSync(path.join(__dirname, '../../test/translate/testdata/base/gateway.yaml'), 'utf8');

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing}
spec:
  parentRefs: [{name: web}]
  rules:
  - backendRefs: [{name: nowhere, port: 80}]
`;

const upstream = (maxEjectionPercent: number): string => `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: up, namespace: default}
spec:
  static: {hosts: [{addr: 127.0.0.1, port: 9001}]}
  outlierDetection: {consecutive5xx: 5, interval: 10s, maxEjectionPercent: ${maxEjectionPercent}}
`;

const SYNTAX: Problem = { severity: 'error', file: 'broken.yaml', line: 2, path: '', reason: 'SyntaxError', message: 'bad indentation' };

describe('GET /status', () => {
  let store: ResourceStore;
  let reconciler: Reconciler;
  let clock: FakeClock;

  const load = (files: Record<string, string>, extra: Problem[] = []): void => {
    const parsed = Object.entries(files).map(([file, text]) => parseResources(text, file));
    store.replace('folder', { objects: parsed.flatMap((p) => p.objects), problems: [...parsed.flatMap((p) => p.problems), ...extra] });
  };

  beforeEach(() => {
    clock = new FakeClock();
    store = new ResourceStore();
    const cache = new SnapshotCache({ clock, logger: silentLogger });
    reconciler = new Reconciler({ store, cache, clock, logger: silentLogger, translate: (i) => translateInputs(i), toXds: toXdsResources });
    load({ 'base.yaml': BASE, 'route.yaml': ROUTE, 'up.yaml': upstream(100) });
    reconciler.start();
    load({ 'base.yaml': BASE, 'route.yaml': ROUTE, 'up.yaml': upstream(101) }, [SYNTAX]);
    clock.advance(0);
  });

  const view = (): StatusView => statusView(reconciler.lastReport() ?? fail('no report'));
  const resource = (kind: string, name: string) => view().resources.find((r) => r.kind === kind && r.name === name);

  it('lists every input resource, sorted by kind/namespace/name, with its file and line', () => {
    const v = view();
    expect(v.resources.map((r) => `${r.kind}/${r.namespace}/${r.name} ${r.file}:${r.line}`)).toEqual([
      'EndpointSlice/default/api-1 base.yaml:39',
      'EndpointSlice/default/web-1 base.yaml:22',
      'Gateway/default/web base.yaml:8',
      'GatewayClass//healthplane base.yaml:3',
      'HTTPRoute/default/missing route.yaml:1',
      'Service/default/api base.yaml:33',
      'Service/default/web base.yaml:16',
      'Upstream/default/up up.yaml:1',
    ]);
    expect(v.summary.resources).toBe(8);
    expect(v.generation).toBe(2);
  });

  it("shows a route's per-parent conditions with the standard reasons (ResolvedRefs False, BackendNotFound)", () => {
    const route = resource('HTTPRoute', 'missing');
    const conditions = route?.parents?.[0]?.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);
    expect(conditions).toEqual(expect.arrayContaining(['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']));
    expect(route?.errors.map((e) => e.reason)).toContain('BackendNotFound');
    expect(route?.served).toBe('current');
  });

  it('marks an invalid object served from its last valid version, with its errors and where the served version is', () => {
    const up = resource('Upstream', 'up');
    expect(up?.served).toBe('lastValid');
    expect(up?.servedFrom).toEqual({ file: 'up.yaml', line: 1 });
    expect(up?.errors).toEqual([{ file: 'up.yaml', line: 6, path: 'spec.outlierDetection.maxEjectionPercent', reason: 'Invalid', message: expect.stringMatching(/101/) }]);
    expect(up?.warnings.map((w) => w.reason)).toContain('LastValidServed');
    expect(up?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'Invalid' });
  });

  it('lists file-level problems apart, and counts every error and warning', () => {
    const v = view();
    expect(v.files).toEqual([{ severity: 'error', file: 'broken.yaml', line: 2, path: '', reason: 'SyntaxError', message: 'bad indentation' }]);
    const all = v.resources.flatMap((r) => [...r.errors, ...r.warnings]).length + v.files.length;
    expect(v.summary.errors + v.summary.warnings).toBe(all);
    expect(v.snapshot).toMatchObject({ status: 'unchanged', id: 1 }); // the last valid version: nothing new to serve
  });

  it('filters by kind, namespace, name and problems=true, and rejects a bad problems value', async () => {
    const handler = statusHandler(() => reconciler.lastReport());
    const get = async (query: string): Promise<AdminResponse> => handler({ path: '/status', query: new URLSearchParams(query) });
    const names = async (query: string): Promise<string[]> => ((await get(query)).body as StatusView).resources.map((r) => `${r.kind}/${r.name}`);
    expect(await names('kind=Service')).toEqual(['Service/api', 'Service/web']);
    expect(await names('kind=Service&name=web&namespace=default')).toEqual(['Service/web']);
    expect(await names('problems=true')).toEqual(['HTTPRoute/missing', 'Upstream/up']);
    expect((await get('problems=maybe')).status).toBe(400);
  });

  it('answers 503 before the first reconcile', async () => {
    const response = await statusHandler(() => undefined)({ path: '/status', query: new URLSearchParams() });
    expect(response.status).toBe(503);
  });
});
