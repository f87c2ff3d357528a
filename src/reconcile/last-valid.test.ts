import type { AnyResource } from '../model/resources';
import { LastValid, objectKey } from './last-valid';
import { seededNumbers } from '../../test/fakes/fake-clock';

/** The original whole-list algorithm: what LastValid's incremental record() must always agree with. */
class Reference {
  readonly byKey = new Map<string, AnyResource>();

  record(served: readonly AnyResource[], invalid: ReadonlySet<string>): void {
    const present = new Set<string>();
    for (const o of served) {
      const key = objectKey(o);
      if (present.has(key)) continue;
      present.add(key);
      if (!invalid.has(key)) this.byKey.set(key, o);
    }
    for (const key of [...this.byKey.keys()]) if (!present.has(key)) this.byKey.delete(key);
  }
}

const svc = (name: string, version: number): AnyResource =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', generation: version }, spec: {} }) as AnyResource;

describe('LastValid', () => {
  it.each([
    ['without duplicates', false],
    ['with duplicates', true],
  ])('records like the whole-list algorithm over random lists %s (changes, moves, removals, invalid keys)', (_, duplicates) => {
    const rand = seededNumbers(duplicates ? 3 : 4);
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const lastValid = new LastValid();
    const reference = new Reference();
    let list: AnyResource[] = names.slice(0, 6).map((n) => svc(n, 0));
    for (let step = 0; step < 600; step++) {
      const invalid = new Set(names.filter(() => rand() < 0.2).map((n) => `Service/default/${n}`));
      lastValid.record(list, invalid);
      reference.record(list, invalid);
      for (const n of names) expect(lastValid.get({ kind: 'Service', namespace: 'default', name: n })).toBe(reference.byKey.get(`Service/default/${n}`));
      expect(lastValid.size).toBe(reference.byKey.size);
      const i = Math.floor(rand() * (list.length + 1));
      const absent = names.filter((n) => !list.some((o) => o.metadata.name === n));
      const op = rand();
      if (op < 0.2) list = list.filter((_, j) => j !== i);
      else if (op < 0.4 && absent.length > 0) list = [...list.slice(0, i), svc(absent[Math.floor(rand() * absent.length)] as string, step), ...list.slice(i)];
      else if (op < 0.5 && duplicates && list.length > 0) list = [...list.slice(0, i), rand() < 0.5 ? (list[i % list.length] as AnyResource) : svc((list[i % list.length] as AnyResource).metadata.name, step), ...list.slice(i)];
      else if (op < 0.8) list = list.map((o, j) => (j === i ? svc(o.metadata.name, step) : o));
      else if (op < 0.9) list = [...list].reverse();
    }
  });

  it('follows the remaining copy when the first of two duplicates goes', () => {
    const lastValid = new LastValid();
    const a = svc('a', 1);
    const b = svc('a', 2);
    lastValid.record([a, b], new Set(['Service/default/a']));
    lastValid.record([b], new Set());
    expect(lastValid.get({ kind: 'Service', namespace: 'default', name: 'a' })).toBe(b);
  });

  it('substitutes the last valid version of invalid objects, in place', () => {
    const lastValid = new LastValid();
    const a1 = svc('a', 1);
    const b1 = svc('b', 1);
    lastValid.record([a1, b1], new Set());
    const a2 = svc('a', 2);
    const { objects, substituted } = lastValid.substitute([a2, b1], new Set(['Service/default/a', 'Service/default/c']));
    expect(objects).toEqual([a1, b1]);
    expect([...substituted.keys()]).toEqual(['Service/default/a']);
  });
});
