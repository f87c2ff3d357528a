import type { Problem } from '../model/problems';
import { KINDS, toInputResources, type AnyResource } from '../model/resources';
import { parseResources } from './file/parse';
import { deepEqual, ResourceStore, type StoreState } from './store';

/** Objects parsed from YAML, as a source would hand them over (fresh instances on every call). */
function objects(yaml: string, file = 'in.yaml'): AnyResource[] {
  const parsed = parseResources(yaml, file);
  expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return [...parsed.objects];
}

const service = (name: string, port = 80, namespace = 'default'): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  ports: [{name: http, port: ${port}}]\n`;

const syntax: Problem = { severity: 'error', file: 'bad.yaml', line: 3, path: '', reason: 'SyntaxError', message: 'bad indentation' };

describe('ResourceStore', () => {
  let store: ResourceStore;
  let events: StoreState[];
  beforeEach(() => {
    store = new ResourceStore();
    events = [];
    store.on('changed', (s) => events.push(s));
  });

  it('groups the inputs like toInputResources, with unchanged objects kept identical, over random replaces', () => {
    let a = 7;
    const rand = (): number => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
    const upstream = (name: string, port: number): string => `apiVersion: gloo.solo.io/v1\nkind: Upstream\nmetadata: {name: ${name}}\nspec:\n  static: {hosts: [{addr: 10.0.0.1, port: ${port}}]}\n`;
    const make = (i: number, v: number): AnyResource => objects(i % 2 ? service(`s${i}`, 80 + v) : upstream(`u${i}`, 80 + v))[0] as AnyResource;
    let list = Array.from({ length: 12 }, (_, i) => make(i, 0));
    for (let step = 1; step < 200; step++) {
      const i = Math.floor(rand() * list.length);
      const op = rand();
      if (op < 0.6) list = list.map((o, j) => (j === i ? make(Number(o.metadata.name.slice(1)), step) : o));
      else if (op < 0.7) list = list.map((o, j) => (j === i ? (objects(o.kind === 'Service' ? service(o.metadata.name, 80) : upstream(o.metadata.name, 80))[0] as AnyResource) : o));
      else if (op < 0.8) list = list.filter((_, j) => j !== i);
      else if (op < 0.9) list = [...list.slice(0, i), make(100 + step, 0), ...list.slice(i)];
      else list = [...list].reverse();
      const before = store.state().objects;
      store.replace('src', { objects: list, problems: [] });
      const state = store.state();
      const expected = toInputResources(state.objects);
      for (const k of KINDS) expect(state.inputs[k.field]).toEqual(expected[k.field]);
      for (const k of KINDS) state.inputs[k.field].forEach((o, j) => expect(o).toBe(expected[k.field][j]));
      state.objects.forEach((o) => {
        const old = before.find((b) => b.kind === o.kind && b.metadata.name === o.metadata.name);
        if (old && deepEqual(old, o)) expect(o).toBe(old);
      });
    }
  });

  it('starts empty at version 0', () => {
    const s = store.state();
    expect(s.version).toBe(0);
    expect(s.objects).toEqual([]);
    expect(s.inputs.services).toEqual([]);
  });

  it('replaces a source bundle, groups objects into inputs and emits changed with the new state', () => {
    expect(store.replace('a', { objects: objects(service('web') + '---\n' + service('api')), problems: [syntax] })).toBe(true);
    expect(events).toHaveLength(1);
    const s = events[0] as StoreState;
    expect(s.version).toBe(1);
    expect(s.inputs.services.map((o) => o.metadata.name)).toEqual(['web', 'api']);
    expect(s.problems).toEqual([syntax]);
    expect(store.state()).toBe(s);
  });

  it('treats a deep-equal bundle (fresh instances) as a no-op: no event, same state, same version', () => {
    store.replace('a', { objects: objects(service('web')), problems: [syntax] });
    const before = store.state();
    expect(store.replace('a', { objects: objects(service('web')), problems: [{ ...syntax }] })).toBe(false);
    expect(events).toHaveLength(1);
    expect(store.state()).toBe(before);
  });

  it('sees a change in origin lines as a change (file:line is part of what it reports)', () => {
    store.replace('a', { objects: objects(service('web')), problems: [] });
    expect(store.replace('a', { objects: objects(`# a comment\n${service('web')}`), problems: [] })).toBe(true);
    expect(store.state().objects[0]?.origin?.line).toBe(2);
  });

  it('keeps the held instance of objects that did not change when another one did', () => {
    store.replace('a', { objects: objects(service('web') + '---\n' + service('api')), problems: [] });
    const web = store.state().objects[0];
    store.replace('a', { objects: objects(service('web') + '---\n' + service('api', 8080)), problems: [] });
    expect(store.state().objects[0]).toBe(web);
    expect(store.state().inputs.services[1]?.spec.ports?.[0]?.port).toBe(8080);
  });

  it('freezes what it hands out', () => {
    store.replace('a', { objects: objects(service('web')), problems: [syntax] });
    const s = store.state();
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.objects)).toBe(true);
    expect(Object.isFrozen(s.objects[0])).toBe(true);
    expect(Object.isFrozen(s.objects[0]?.metadata)).toBe(true);
    expect(Object.isFrozen(s.inputs.services)).toBe(true);
    expect(Object.isFrozen(s.problems[0])).toBe(true);
  });

  it('keeps sources apart: a source replaces only its own bundle; objects come in source id order', () => {
    store.replace('b', { objects: objects(service('from-b')), problems: [] });
    store.replace('a', { objects: objects(service('from-a')), problems: [] });
    expect(store.state().objects.map((o) => o.metadata.name)).toEqual(['from-a', 'from-b']);
    store.replace('a', { objects: [], problems: [] });
    expect(store.state().objects.map((o) => o.metadata.name)).toEqual(['from-b']);
    expect(store.drop('b')).toBe(true);
    expect(store.state().objects).toEqual([]);
    expect(store.drop('b')).toBe(false);
  });

  it('upserts and removes single objects, ignoring deep-equal upserts and unknown removals', () => {
    const [web] = objects(service('web'));
    expect(store.upsert('k8s', web as AnyResource)).toBe(true);
    expect(store.upsert('k8s', objects(service('web'))[0] as AnyResource)).toBe(false);
    expect(store.upsert('k8s', objects(service('web', 81))[0] as AnyResource)).toBe(true);
    expect(store.state().inputs.services.map((s) => s.spec.ports?.[0]?.port)).toEqual([81]);
    expect(store.remove('k8s', { kind: 'Service', namespace: 'other', name: 'web' })).toBe(false);
    expect(store.remove('k8s', { kind: 'Service', namespace: 'default', name: 'web' })).toBe(true);
    expect(store.state().objects).toEqual([]);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const seen: number[] = [];
    const off = store.on('changed', (s) => seen.push(s.version));
    store.replace('a', { objects: objects(service('web')), problems: [] });
    off();
    store.replace('a', { objects: [], problems: [] });
    expect(seen).toEqual([1]);
  });
});

describe('deepEqual', () => {
  it.each([
    [1, 1, true],
    [NaN, NaN, true],
    ['a', 'b', false],
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [[1, 2], [2, 1], false],
    [[1], { 0: 1 }, false],
    [new Map([['a', 1]]), new Map([['a', 1]]), true],
    [new Map([['a', 1]]), new Map([['a', 2]]), false],
    [null, {}, false],
  ])('deepEqual(%p, %p) is %p', (a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
  });
});
