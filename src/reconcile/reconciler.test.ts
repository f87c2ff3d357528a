import { FakeClock } from '../../test/fakes/fake-clock';
import type { Ir } from '../ir/types';
import type { LogFields, Logger } from '../log';
import { parseResources } from '../sources/file/parse';
import { ResourceStore } from '../sources/store';
import { translateInputs } from '../translate/translate';
import { DEFAULT_GROUP } from '../xds/cache/node-hash';
import { SnapshotCache } from '../xds/cache/snapshot-cache';
import { decodeMessage } from '../xds/proto';
import { toXdsResources } from '../xds/translate';
import { TypeUrl } from '../xds/type-urls';
import type { Cluster__Output } from '../xds/generated/envoy/config/cluster/v3/Cluster';
import { Reconciler, type ReconcilerOptions } from './reconciler';

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly fields?: LogFields;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger, traceEnabled: () => false };
  return logger;
}

/** A static Gloo Upstream (cluster `<name>_default`) with an outlier detection setting. */
const upstream = (name: string, maxEjectionPercent = 10, port = 9001): string => `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: ${name}, namespace: default}
spec:
  static: {hosts: [{addr: 127.0.0.1, port: ${port}}]}
  outlierDetection: {consecutive5xx: 5, interval: 10s, maxEjectionPercent: ${maxEjectionPercent}}
`;

describe('Reconciler', () => {
  let clock: FakeClock;
  let store: ResourceStore;
  let cache: SnapshotCache;
  let lines: Line[];
  let irs: Ir[];

  beforeEach(() => {
    clock = new FakeClock();
    store = new ResourceStore();
    lines = [];
    irs = [];
    cache = new SnapshotCache({ clock, logger: recordingLogger([]) });
  });

  const reconciler = (overrides: Partial<ReconcilerOptions> = {}): Reconciler =>
    new Reconciler({ store, cache, clock, logger: recordingLogger(lines), translate: (i) => translateInputs(i), toXds: toXdsResources, onIr: (ir) => irs.push(ir), ...overrides });

  /** Puts the parsed YAML into the store as source "folder" (parse problems included). */
  const load = (yaml: string): void => {
    const parsed = parseResources(yaml, 'in.yaml');
    store.replace('folder', { objects: parsed.objects, problems: parsed.problems });
  };

  const servedClusters = (): Record<string, Cluster__Output> => {
    const snap = cache.snapshotFor(DEFAULT_GROUP)?.snapshot;
    const out: Record<string, Cluster__Output> = {};
    for (const [name, entry] of snap?.resources(TypeUrl.Cluster) ?? []) out[name] = decodeMessage<Cluster__Output>('envoy.config.cluster.v3.Cluster', entry.bytes);
    return out;
  };
  const maxEjection = (cluster: string): number | undefined => servedClusters()[cluster]?.outlier_detection?.max_ejection_percent?.value;
  const messages = (level: string): string[] => lines.filter((l) => l.level === level).map((l) => l.msg);

  it('reconciles what the store holds on start, synchronously, and publishes a snapshot', () => {
    load(upstream('a') + '---\n' + upstream('b'));
    const report = reconciler().start();
    expect(report.snapshot).toMatchObject({ status: 'published' });
    expect(Object.keys(servedClusters())).toEqual(['a_default', 'b_default']);
    expect(report.statuses.map((s) => `${s.ref.name}:${s.conditions[0]?.status}`)).toEqual(['a:True', 'b:True']);
    expect(irs).toHaveLength(1);
    expect(irs[0]?.backends.map((b) => b.name)).toEqual(['a_default', 'b_default']);
  });

  it('reconciles after a store change, coalescing changes made in the same burst', () => {
    load(upstream('a'));
    const r = reconciler();
    r.start();
    load(upstream('a', 20));
    load(upstream('a', 30));
    expect(r.sequence).toBe(1);
    clock.advance(0);
    expect(r.sequence).toBe(2);
    expect(maxEjection('a_default')).toBe(30);
    expect(r.lastReport()?.generation).toBe(3);
  });

  it('keeps serving the last valid version of an object that no longer validates, and says so', () => {
    load(upstream('a', 20) + '---\n' + upstream('b'));
    const r = reconciler();
    r.start();
    load(upstream('a', 101) + '---\n' + upstream('b', 40));
    clock.advance(0);
    expect(maxEjection('a_default')).toBe(20);
    expect(maxEjection('b_default')).toBe(40);
    const report = r.lastReport();
    expect([...(report?.lastValid.keys() ?? [])]).toEqual(['Upstream/default/a']);
    const mine = report?.problems.filter((p) => p.ref?.name === 'a' && p.reason !== 'PanicRoutesToFailingHosts').map((p) => `${p.severity} ${p.reason} ${p.path}`);
    expect(mine).toEqual(['error Invalid spec.outlierDetection.maxEjectionPercent', 'warning LastValidServed ']);
    expect(report?.statuses.find((s) => s.ref.name === 'a')?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False' });
    expect(messages('error')).toEqual([expect.stringMatching(/maxEjectionPercent 101/)]);
    // fixed: the current version is served again and the substitution ends
    load(upstream('a', 30) + '---\n' + upstream('b', 40));
    clock.advance(0);
    expect(maxEjection('a_default')).toBe(30);
    expect(r.lastReport()?.lastValid.size).toBe(0);
    expect(r.lastReport()?.problems.filter((p) => p.severity === 'error' || p.reason === 'LastValidServed')).toEqual([]);
  });

  it('keeps the last valid version of an object that no longer decodes (parse-level error)', () => {
    load(upstream('a', 20));
    const r = reconciler();
    r.start();
    load('apiVersion: gloo.solo.io/v1\nkind: Upstream\nmetadata: {name: a, namespace: default}\nspec:\n  static: {hosts: "127.0.0.1"}\n');
    clock.advance(0);
    expect(maxEjection('a_default')).toBe(20);
    expect(r.lastReport()?.lastValid.has('Upstream/default/a')).toBe(true);
    expect(r.lastReport()?.problems.map((p) => p.reason)).toEqual(['Invalid', 'LastValidServed']);
  });

  it('has no last valid version for an object that was never valid, and forgets objects that are deleted', () => {
    load(upstream('a', 101) + '---\n' + upstream('b'));
    const r = reconciler();
    r.start();
    expect(r.lastReport()?.lastValid.size).toBe(0);
    expect(maxEjection('a_default')).toBeUndefined(); // what the translator makes of it, without substitution
    load(upstream('b', 20));
    clock.advance(0);
    load(upstream('b', 101));
    clock.advance(0);
    expect(maxEjection('b_default')).toBe(20);
    load('');
    clock.advance(0);
    expect(servedClusters()).toEqual({});
    load(upstream('b', 101));
    clock.advance(0);
    expect(r.lastReport()?.lastValid.size).toBe(0); // deleted in between: no last valid version any more
    expect(maxEjection('b_default')).toBeUndefined();
  });

  it('keeps the previous snapshot when the Envoy resources cannot be built, logging the failure once', () => {
    load(upstream('a', 20));
    let fail = false;
    const r = reconciler({ toXds: (ir) => (fail ? (() => { throw new Error('boom'); })() : toXdsResources(ir)) });
    r.start();
    const first = cache.snapshotFor(DEFAULT_GROUP)?.id;
    fail = true;
    load(upstream('a', 30));
    clock.advance(0);
    load(upstream('a', 40));
    clock.advance(0);
    expect(r.lastReport()?.snapshot).toEqual({ status: 'rejected', code: 'HP_SNAPSHOT_INVALID', problems: ['boom'], servedId: first });
    expect(cache.snapshotFor(DEFAULT_GROUP)?.id).toBe(first);
    expect(maxEjection('a_default')).toBe(20);
    expect(messages('error')).toEqual(['snapshot not published; the last good one stays served']);
    fail = false;
    load(upstream('a', 50));
    clock.advance(0);
    expect(r.lastReport()?.snapshot.status).toBe('published');
    expect(maxEjection('a_default')).toBe(50);
  });

  it('keeps the previous snapshot when the cache rejects the new one as inconsistent', () => {
    load(upstream('a'));
    const r = reconciler();
    r.start();
    const before = cache.snapshotFor(DEFAULT_GROUP)?.id;
    const rejecting = reconciler({ cache: { setSnapshot: () => ({ status: 'rejected', problems: ['cluster x references missing endpoints'] }) } });
    load(upstream('a', 30));
    const report = rejecting.start();
    expect(report.snapshot).toMatchObject({ status: 'rejected', code: 'HP_SNAPSHOT_INCONSISTENT', problems: ['cluster x references missing endpoints'] });
    expect(cache.snapshotFor(DEFAULT_GROUP)?.id).toBe(before);
  });

  it('does not publish (nor call onIr) when the IR breaks an invariant', () => {
    load(upstream('a'));
    const r = reconciler({ validateIr: () => [{ path: 'backends[a_default]', message: 'broken' }] });
    const report = r.start();
    expect(report.snapshot).toMatchObject({ status: 'rejected', code: 'HP_SNAPSHOT_INVALID', problems: ['IR backends[a_default]: broken'] });
    expect(irs).toEqual([]);
    expect(cache.groups()).toEqual([]);
  });

  it('logs each error or warning once per change, not on every reconcile', () => {
    load(upstream('a', 5) + '---\n' + upstream('b', 100));
    const r = reconciler();
    r.start();
    const firstWarnings = messages('warn').length;
    expect(firstWarnings).toBeGreaterThan(0);
    load(upstream('a', 5) + '---\n' + upstream('b', 100, 9002)); // b changes, nobody's problems do
    clock.advance(0);
    expect(r.sequence).toBe(2);
    expect(messages('warn')).toHaveLength(firstWarnings);
    load(upstream('a', 6) + '---\n' + upstream('b', 100, 9002)); // a's warning changes: logged once more
    clock.advance(0);
    expect(messages('warn')).toHaveLength(firstWarnings + 1);
    expect(messages('warn').at(-1)).toMatch(/maxEjectionPercent 6/);
    load(upstream('b', 100, 9002));
    clock.advance(0);
    expect(messages('info')).toContain('problems resolved');
  });

  it('stops listening to the store on stop', () => {
    const r = reconciler();
    r.start();
    r.stop();
    load(upstream('a'));
    clock.advance(0);
    expect(r.sequence).toBe(1);
  });
});
