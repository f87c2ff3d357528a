import type { Problem } from '../model/problems';
import type { AnyResource } from '../model/resources';
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
