import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../../test/fakes/fake-clock';
import { silentLogger } from '../../log';
import { ResourceStore, type StoreState } from '../store';
import { FolderSource, isResourceFile, listResourceFiles, type WatchDirectory } from './source';

/** A WatchDirectory the test fires by hand; records which directories are watched. */
class FakeWatch {
  readonly handlers = new Map<string, (filename: string | null) => void>();
  readonly errors = new Map<string, (err: Error) => void>();
  readonly watch: WatchDirectory = (dir, onChange, onError) => {
    this.handlers.set(dir, onChange);
    this.errors.set(dir, onError);
    return { close: () => void this.handlers.delete(dir) };
  };

  fire(dir: string, filename: string | null): void {
    const h = this.handlers.get(dir);
    if (!h) throw new Error(`${dir} is not watched (watched: ${[...this.handlers.keys()].join(', ')})`);
    h(filename);
  }

  get dirs(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

const service = (name: string, port = 80): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  ports: [{name: http, port: ${port}}]\n`;

describe('FolderSource', () => {
  let dir: string;
  let clock: FakeClock;
  let watch: FakeWatch;
  let store: ResourceStore;
  let changes: StoreState[];
  let source: FolderSource;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-folder-'));
    clock = new FakeClock();
    watch = new FakeWatch();
    store = new ResourceStore();
    changes = [];
    store.on('changed', (s) => changes.push(s));
    source = new FolderSource({ dir, clock, logger: silentLogger, delayMs: 100, maxDelayMs: 1000, watch: watch.watch });
  });

  afterEach(async () => {
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const names = (): string[] => store.state().objects.map((o) => o.metadata.name);
  const problems = (): string[] => store.state().problems.map((p) => `${path.relative(dir, p.file ?? '')}:${p.line ?? ''} ${p.severity} ${p.reason}`);
  /** Fires an event for a file, lets the holdoff run out and waits for the scan. */
  const saved = async (rel: string): Promise<void> => {
    watch.fire(path.join(dir, path.dirname(rel)).replace(/\/\.$/, ''), path.basename(rel));
    clock.advance(100);
    await source.whenIdle();
  };

  it('loads every .yaml/.yml/.json file, recursively and in path order, skipping hidden and other files', async () => {
    write('b.yaml', service('b'));
    write('a.yml', service('a'));
    write('sub/c.json', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' }, spec: { ports: [{ port: 1 }] } }));
    write('.hidden.yaml', service('hidden'));
    write('.git/x.yaml', service('in-hidden-dir'));
    write('notes.txt', service('txt'));
    await source.start(store);
    expect(names()).toEqual(['a', 'b', 'c']);
    expect(watch.dirs).toEqual([dir, path.join(dir, 'sub')]);
    expect(changes).toHaveLength(1);
    expect(store.state().objects[0]?.origin?.file).toBe(path.join(dir, 'a.yml'));
  });

  it('publishes every file\'s objects in order after edits that keep or change object counts, reusing unchanged objects', async () => {
    write('a.yaml', [service('a1'), service('a2')].join('---\n'));
    write('b.yaml', [service('b1'), service('b2'), service('b3')].join('---\n'));
    write('c.yaml', service('c1'));
    await source.start(store);
    const first = store.state().objects;
    write('b.yaml', [service('b1'), service('b2', 81), service('b3')].join('---\n'));
    await saved('b.yaml');
    expect(names()).toEqual(['a1', 'a2', 'b1', 'b2', 'b3', 'c1']);
    const second = store.state().objects;
    expect(second.filter((o, i) => o !== first[i]).map((o) => o.metadata.name)).toEqual(['b2']);
    write('b.yaml', [service('b1'), service('b3')].join('---\n'));
    await saved('b.yaml');
    expect(names()).toEqual(['a1', 'a2', 'b1', 'b3', 'c1']);
    write('a.yaml', [service('a1'), service('a2'), service('a3')].join('---\n'));
    await saved('a.yaml');
    expect(names()).toEqual(['a1', 'a2', 'a3', 'b1', 'b3', 'c1']);
    expect(store.state().inputs.services.map((o) => o.metadata.name)).toEqual(['a1', 'a2', 'a3', 'b1', 'b3', 'c1']);
    expect(store.state().objects[0]).toBe(first[0]);
  });

  it('publishes a saved change after the holdoff, not before', async () => {
    write('a.yaml', service('a'));
    await source.start(store);
    write('a.yaml', service('a', 81));
    watch.fire(dir, 'a.yaml');
    clock.advance(99);
    await source.whenIdle();
    expect(changes).toHaveLength(1);
    clock.advance(1);
    await source.whenIdle();
    expect(changes).toHaveLength(2);
    expect(store.state().inputs.services[0]?.spec.ports?.[0]?.port).toBe(81);
  });

  it('coalesces a burst of events into one store change', async () => {
    write('a.yaml', service('a'));
    write('b.yaml', service('b'));
    await source.start(store);
    for (let i = 0; i < 5; i++) {
      write('a.yaml', service('a', 100 + i));
      watch.fire(dir, 'a.yaml');
      watch.fire(dir, 'b.yaml');
      clock.advance(50);
    }
    clock.advance(100);
    await source.whenIdle();
    expect(changes).toHaveLength(2);
    expect(store.state().inputs.services.map((s) => s.spec.ports?.[0]?.port)).toEqual([104, 80]);
  });

  it('publishes within maxDelayMs even while events keep coming', async () => {
    write('a.yaml', service('a'));
    await source.start(store);
    write('a.yaml', service('a', 81));
    for (let t = 0; t < 1000; t += 50) {
      watch.fire(dir, 'a.yaml');
      clock.advance(50);
    }
    await source.whenIdle();
    expect(changes).toHaveLength(2);
  });

  it('does not publish when a saved file has the same content', async () => {
    write('a.yaml', service('a'));
    await source.start(store);
    write('a.yaml', service('a'));
    await saved('a.yaml');
    expect(changes).toHaveLength(1);
  });

  it('keeps the last good objects of a file that no longer parses, reports why, and recovers when fixed', async () => {
    write('a.yaml', service('a'));
    write('b.yaml', service('b'));
    await source.start(store);
    write('a.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a\nspec: [\n');
    await saved('a.yaml');
    expect(names()).toEqual(['a', 'b']);
    expect(problems()).toContain('a.yaml:4 error SyntaxError');
    expect(problems()).toContain('a.yaml: warning LastGoodFileServed');
    write('a.yaml', service('a2'));
    await saved('a.yaml');
    expect(names()).toEqual(['a2', 'b']);
    expect(problems()).toEqual([]);
  });

  it('serves what parses of a file that is broken from the start, with its problems', async () => {
    write('a.yaml', `${service('ok')}---\nkind: [\n`);
    await source.start(store);
    expect(names()).toEqual(['ok']);
    expect(problems().some((p) => p.startsWith('a.yaml:') && p.endsWith('error SyntaxError'))).toBe(true);
    expect(problems().some((p) => p.includes('LastGoodFileServed'))).toBe(false);
  });

  it('reports object-level problems (a field of the wrong type) with the object, file and line', async () => {
    write('a.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports: "80"\n');
    await source.start(store);
    const [p] = store.state().problems;
    expect(p).toMatchObject({ severity: 'error', ref: { kind: 'Service', namespace: 'default', name: 'a' }, file: path.join(dir, 'a.yaml'), line: 5 });
  });

  it('drops the objects of a removed file', async () => {
    write('a.yaml', service('a'));
    write('b.yaml', service('b'));
    await source.start(store);
    fs.rmSync(path.join(dir, 'a.yaml'));
    await saved('a.yaml');
    expect(names()).toEqual(['b']);
  });

  it('picks up a new subfolder (full rescan) and watches it; then sees files saved in it', async () => {
    await source.start(store);
    write('team/x.yaml', service('x'));
    watch.fire(dir, 'team');
    clock.advance(100);
    await source.whenIdle();
    expect(names()).toEqual(['x']);
    expect(watch.dirs).toEqual([dir, path.join(dir, 'team')]);
    write('team/x.yaml', service('x2'));
    await saved('team/x.yaml');
    expect(names()).toEqual(['x2']);
  });

  it('rescans everything on an event without a file name (e.g. a ConfigMap symlink swap)', async () => {
    write('a.yaml', service('a'));
    await source.start(store);
    write('b.yaml', service('b'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), service('a', 90));
    watch.fire(dir, null);
    clock.advance(100);
    await source.whenIdle();
    expect(names()).toEqual(['a', 'b']);
    expect(store.state().inputs.services[0]?.spec.ports?.[0]?.port).toBe(90);
  });

  it('reports a watch error as a file-level problem', async () => {
    await source.start(store);
    const err = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    watch.errors.get(dir)?.(err);
    clock.advance(100);
    await source.whenIdle();
    expect(problems()).toEqual([': error WatchError']);
  });

  it('refuses to start on a folder that does not exist', async () => {
    const missing = new FolderSource({ dir: path.join(dir, 'nope'), clock, logger: silentLogger, watch: watch.watch });
    await expect(missing.start(store)).rejects.toMatchObject({ code: 'HP_SOURCE_WATCH' });
  });

  it('closes every watch on stop and ignores later events', async () => {
    write('sub/a.yaml', service('a'));
    await source.start(store);
    const handlers = [...watch.handlers.values()];
    await source.stop();
    expect(watch.dirs).toEqual([]);
    handlers.forEach((h) => h('a.yaml'));
    clock.advance(1000);
    await source.whenIdle();
    expect(changes).toHaveLength(1);
  });
});

describe('isResourceFile / listResourceFiles', () => {
  it.each([
    ['a.yaml', true],
    ['a.YML', true],
    ['a.json', true],
    ['.a.yaml', false],
    ['a.yaml.swp', false],
    ['a.yaml~', false],
    ['README.md', false],
  ])('%s -> %p', (name, expected) => {
    expect(isResourceFile(name)).toBe(expected);
  });

  it('follows symlinked files and folders (ConfigMap mounts) and skips hidden entries', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-list-'));
    try {
      fs.mkdirSync(path.join(root, '..data'));
      fs.writeFileSync(path.join(root, '..data', 'a.yaml'), 'x: 1\n');
      fs.symlinkSync(path.join(root, '..data', 'a.yaml'), path.join(root, 'a.yaml'));
      fs.mkdirSync(path.join(root, 'real'));
      fs.writeFileSync(path.join(root, 'real', 'b.json'), '{}');
      fs.symlinkSync(path.join(root, 'real'), path.join(root, 'linked'));
      expect((await listResourceFiles(root)).map((f) => path.relative(root, f))).toEqual(['a.yaml', 'linked/b.json', 'real/b.json']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
