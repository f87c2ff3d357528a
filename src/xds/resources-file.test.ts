import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../log';
import { FakeClock } from '../../test/fakes/fake-clock';
import { envoyViolations } from '../../test/envoy/upstream-root';
import { DEFAULT_GROUP } from './cache/node-hash';
import { SnapshotCache } from './cache/snapshot-cache';
import { decodeMessage } from './proto';
import { loadResourcesFile, parseResources, publishResources, ResourcesFileWatcher, type ResourcesLoad, type WatchDirectory } from './resources-file';
import { TypeUrl } from './type-urls';

const DEMO = path.join(__dirname, '../../examples/xds/demo.yaml');

function errorsOf(load: ResourcesLoad): readonly string[] {
  if (load.ok) throw new Error('expected errors');
  return load.errors;
}

describe('parseResources', () => {
  it('reads the demo example into all four types', async () => {
    const load = await loadResourcesFile(DEMO);
    if (!load.ok) throw new Error(load.errors.join('\n'));
    const r = load.resources;
    expect([r.clusters.length, r.endpoints.length, r.listeners.length, r.routes.length]).toEqual([1, 1, 1, 1]);
    expect(r.clusters[0]).toMatchObject({ name: 'demo', type: 'EDS', connect_timeout: { seconds: '1', nanos: 0 } });
    expect(r.clusters[0]?.health_checks?.[0]).toMatchObject({ http_health_check: { path: '/healthz' } });
    expect(r.clusters[0]?.outlier_detection).toMatchObject({ consecutive_5xx: { value: 5 } });
  });

  it("the demo example passes Envoy's validation rules", async () => {
    const c = new SnapshotCache({ clock: new FakeClock(), logger: silentLogger });
    expect(publishResources(c, await loadResourcesFile(DEMO)).status).toBe('published');
    const snapshot = c.snapshotFor(DEFAULT_GROUP)?.snapshot;
    for (const typeUrl of [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route]) {
      for (const entry of snapshot?.resources(typeUrl).values() ?? []) {
        expect([entry.name, envoyViolations(typeUrl, entry.bytes)]).toEqual([entry.name, []]);
      }
    }
    expect(snapshot?.size()).toBe(4);
  });

  it('accepts JSON and lowerCamelCase field names, and an @type matching the section', () => {
    const json = JSON.stringify({ clusters: [{ '@type': TypeUrl.Cluster, name: 'c', connectTimeout: '0.25s', type: 'STATIC' }] });
    const load = parseResources(json, 'r.json');
    expect(load.ok && load.resources.clusters[0]).toEqual({ name: 'c', connect_timeout: { seconds: '0', nanos: 250_000_000 }, type: 'STATIC' });
  });

  it('treats an empty file and missing sections as no resources', () => {
    expect(parseResources('', 'e.yaml')).toEqual({ ok: true, resources: { clusters: [], endpoints: [], listeners: [], routes: [] } });
    const load = parseResources('routes:\n  - name: r\n', 'x.yaml');
    expect(load.ok && load.resources.routes).toEqual([{ name: 'r' }]);
  });

  it('reports every bad resource with file, line, index and field path, and keeps going', () => {
    const text = [
      'clusters:',
      '  - name: ok',
      '    connect_timeout: 1s',
      '  - name: bad-timeout',
      '    connect_timeout: 5',
      '  - name: bad-field',
      '    health_checks:',
      '      - timeout: 1s',
      '        unhealty_threshold: 2',
      'endpoints:',
      '  - endpoints: []',
      'routes:',
      '  - name: r',
      '  - name: r',
    ].join('\n');
    expect(errorsOf(parseResources(text, 'res.yaml'))).toEqual([
      'res.yaml:4: clusters[1].connect_timeout: invalid duration 5',
      'res.yaml:6: clusters[2].health_checks[0].unhealty_threshold: unknown field of envoy.config.core.v3.HealthCheck',
      'res.yaml:11: endpoints[0].cluster_name: required',
      'res.yaml:14: routes[1]: duplicate name "r" (also routes[0])',
    ]);
  });

  it('reports YAML syntax errors, stray keys with a hint, and wrong shapes', () => {
    expect(errorsOf(parseResources('clusters: [\n', 'a.yaml'))[0]).toMatch(/^a\.yaml: .*line/);
    expect(errorsOf(parseResources('cluster: []\n', 'b.yaml'))).toEqual([
      'b.yaml: unknown top-level key "cluster" (did you mean "clusters"?); expected clusters, endpoints, listeners, routes',
    ]);
    expect(errorsOf(parseResources('- a\n', 'c.yaml'))[0]).toMatch(/^c\.yaml: expected a mapping/);
    expect(errorsOf(parseResources('clusters: {name: x}\n', 'd.yaml'))).toEqual(['d.yaml: clusters: expected a list']);
    expect(errorsOf(parseResources('clusters: [42]\n', 'e.yaml'))).toEqual(['e.yaml:1: clusters[0]: expected a mapping (a Cluster)']);
    expect(errorsOf(parseResources(`listeners: [{"@type": "${TypeUrl.Cluster}", name: l}]\n`, 'f.yaml'))[0]).toMatch(/listeners\[0\]\.@type: .* does not belong under listeners/);
    expect(errorsOf(parseResources('a: 1\n---\nb: 2\n', 'g.yaml'))).toEqual(['g.yaml: expected one document, found 2']);
    expect(errorsOf(parseResources('clusters: []\nclusters: []\n', 'h.yaml'))[0]).toMatch(/^h\.yaml: .*[Uu]nique/);
  });

  it('reports a missing file without throwing', async () => {
    const errors = errorsOf(await loadResourcesFile('/nonexistent/healthplane/r.yaml'));
    expect(errors[0]).toMatch(/^\/nonexistent\/healthplane\/r\.yaml: cannot read: ENOENT/);
  });
});

describe('publishResources', () => {
  const cache = () => new SnapshotCache({ clock: new FakeClock(), logger: silentLogger });

  it('publishes a good load under the default group, and reports an unchanged one', async () => {
    const c = cache();
    const load = await loadResourcesFile(DEMO);
    expect(publishResources(c, load)).toEqual({ status: 'published', id: 1, resources: 4 });
    expect(publishResources(c, load)).toEqual({ status: 'unchanged', id: 1, resources: 4 });
    const entry = c.snapshotFor(DEFAULT_GROUP)?.snapshot.get(TypeUrl.Cluster, 'demo');
    expect(decodeMessage('envoy.config.cluster.v3.Cluster', entry?.bytes as Uint8Array).name).toBe('demo');
  });

  it('keeps the last good snapshot when a load fails or the snapshot is inconsistent', async () => {
    const c = cache();
    publishResources(c, await loadResourcesFile(DEMO));
    expect(publishResources(c, { ok: false, errors: ['x'] })).toEqual({ status: 'rejected', code: 'HP_SOURCE_PARSE', problems: ['x'] });
    const dangling = parseResources('clusters:\n  - {name: c, type: EDS, eds_cluster_config: {eds_config: {ads: {}}}}\n', 'd.yaml');
    const outcome = publishResources(c, dangling);
    expect(outcome).toMatchObject({ status: 'rejected', code: 'HP_SNAPSHOT_INCONSISTENT' });
    expect(c.snapshotFor(DEFAULT_GROUP)?.id).toBe(1);
  });
});

describe('ResourcesFileWatcher', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-resources-'));
    file = path.join(dir, 'r.yaml');
    fs.writeFileSync(file, 'routes: [{name: a}]\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeWatch() {
    const state: { onChange?: (f: string | null) => void; onError?: (e: Error) => void; dir?: string; closed: boolean } = { closed: false };
    const watch: WatchDirectory = (d, onChange, onError) => {
      Object.assign(state, { dir: d, onChange, onError });
      return { close: () => void (state.closed = true) };
    };
    return { state, watch };
  }

  it('reloads once after a burst of changes to its file settles, ignoring other files', async () => {
    const clock = new FakeClock();
    const loads: ResourcesLoad[] = [];
    const { state, watch } = fakeWatch();
    const w = new ResourcesFileWatcher({ file, clock, logger: silentLogger, onLoad: (l) => loads.push(l), delayMs: 100, maxDelayMs: 1000, watch });
    w.start();
    expect(state.dir).toBe(dir);
    fs.writeFileSync(file, 'routes: [{name: b}]\n');
    state.onChange?.('r.yaml');
    clock.advance(50);
    state.onChange?.('r.yaml');
    state.onChange?.('other.yaml');
    clock.advance(99);
    expect(loads).toHaveLength(0);
    clock.advance(1);
    await w.whenIdle(); // the reload the holdoff started
    expect(loads).toHaveLength(1);
    expect(loads[0]?.ok && loads[0].resources.routes).toEqual([{ name: 'b' }]);
    state.onChange?.('other.yaml');
    clock.advance(1000);
    expect(clock.pendingCount).toBe(0);
    w.stop();
    expect(state.closed).toBe(true);
  });

  it('hands bad content to onLoad as errors', async () => {
    const loads: ResourcesLoad[] = [];
    const { watch } = fakeWatch();
    const w = new ResourcesFileWatcher({ file, clock: new FakeClock(), logger: silentLogger, onLoad: (l) => loads.push(l), watch });
    fs.writeFileSync(file, 'routes: [{nme: b}]\n');
    await w.reload();
    expect(loads[0]?.ok).toBe(false);
  });

  it('runs a reload requested during a reload once more afterwards', async () => {
    const names: string[] = [];
    const { watch } = fakeWatch();
    const w = new ResourcesFileWatcher({
      file,
      clock: new FakeClock(),
      logger: silentLogger,
      watch,
      onLoad: (l) => {
        names.push(l.ok ? (l.resources.routes[0]?.name ?? '') : 'error');
      },
    });
    const first = w.reload();
    fs.writeFileSync(file, 'routes: [{name: c}]\n');
    const second = w.reload();
    await Promise.all([first, second]);
    expect(names[names.length - 1]).toBe('c');
    expect(names.length).toBeLessThanOrEqual(2);
  });
});
