import { caseNames, loadStage1Case, TRANSLATE_DIR } from '../../test/golden/harness';
import { IrValidationCache, validateIr } from '../ir/validate';
import { decodeObject } from '../model/decode';
import { KINDS, toInputResources, type AnyResource } from '../model/resources';
import { translateInputs, TranslationCache } from '../translate/translate';
import type { Snapshot } from '../xds/cache/snapshot';
import { encodeMessage } from '../xds/proto';
import { buildSnapshot, EncodingCache, encodeRoutes } from '../xds/snapshot-builder';
import { toXdsResources, XdsCache } from '../xds/translate';
import type { RouteConfiguration } from '../xds/generated/envoy/config/route/v3/RouteConfiguration';
import { ALL_TYPE_URLS } from '../xds/type-urls';
import { SnapshotMemo } from './snapshot-memo';
import { seededNumbers } from '../../test/fakes/fake-clock';

/**
 * The reconciler's caches end to end: after every edit of a random walk over the golden inputs,
 * translate -> validateIr -> toXdsResources -> SnapshotMemo (each with its cache, as the
 * reconciler runs them) gives exactly what the same steps without caches give.
 */

/** A copy with one number changed (or the object itself when the change does not decode). */
function changed(o: AnyResource, rand: () => number): AnyResource {
  const { origin, ...rest } = o;
  const copy = structuredClone(rest) as Record<string, unknown>;
  const numbers: [Record<string, unknown>, string][] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'number') numbers.push([v as Record<string, unknown>, k]);
      walk(x);
    }
  };
  walk(copy.spec);
  const pick = numbers[Math.floor(rand() * numbers.length)];
  if (!pick) return { ...(copy as unknown as AnyResource), ...(origin ? { origin } : {}) };
  pick[0][pick[1]] = (pick[0][pick[1]] as number) + 1;
  const { apiVersion, kind, metadata, spec } = copy;
  const raw = kind === 'EndpointSlice' ? { apiVersion, kind, metadata, ...(spec as object) } : { apiVersion, kind, metadata, spec };
  return decodeObject(raw, origin).resource ?? o;
}

const versions = (s: Snapshot): string[] => ALL_TYPE_URLS.map((t) => s.version(t));

function entries(s: Snapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of ALL_TYPE_URLS) for (const [name, e] of s.resources(t)) out[`${t} ${name}`] = `${Buffer.from(e.bytes).toString('base64')} ${e.references.join(',')}`;
  return out;
}

describe('the reconcile pipeline with its caches equals the pipeline without', () => {
  it('over a random walk of edits (add, change, delete objects of every kind)', () => {
    const all = caseNames(TRANSLATE_DIR, '.in.yaml').flatMap((c) => KINDS.flatMap((k) => [...loadStage1Case(c).inputs[k.field]] as AnyResource[]));
    const rand = seededNumbers(7);
    const caches = { translation: new TranslationCache(), ir: new IrValidationCache(), xds: new XdsCache(), snapshots: new SnapshotMemo((r) => buildSnapshot(r, { encoding: new EncodingCache(1) })) };
    let list = all.filter(() => rand() < 0.5);
    for (let step = 0; step < 120; step++) {
      const inputs = toInputResources(list);
      const fresh = translateInputs(inputs);
      const cached = translateInputs(inputs, {}, caches.translation);
      expect(JSON.stringify(cached)).toBe(JSON.stringify(fresh));
      expect(validateIr(cached.ir, caches.ir)).toEqual(validateIr(fresh.ir));
      const xds = toXdsResources(cached.ir, caches.xds);
      const plainXds = toXdsResources(fresh.ir);
      expect(JSON.stringify(xds)).toBe(JSON.stringify(plainXds));
      let plain: Snapshot | undefined;
      try {
        plain = buildSnapshot(plainXds);
      } catch {
        plain = undefined; // e.g. two resources of one name: the memo must refuse it too
      }
      if (plain) {
        const memo = caches.snapshots.build(xds);
        expect(versions(memo)).toEqual(versions(plain));
        expect(entries(memo)).toEqual(entries(plain));
      } else expect(() => caches.snapshots.build(xds)).toThrow();
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const i = Math.floor(rand() * list.length);
        const op = rand();
        if (op < 0.3) list = list.filter((_, j) => j !== i);
        else if (op < 0.6) list = [...list.slice(0, i), all[Math.floor(rand() * all.length)] as AnyResource, ...list.slice(i)];
        else list = list.map((o, j) => (j === i ? changed(o, rand) : o));
      }
    }
  });
});

describe('encodeRoutes', () => {
  const vh = (i: number, path = '/'): object => ({ name: `l/app-${i}`, domains: [`app-${i}.example.com`], routes: [{ name: `r${i}`, match: { prefix: path }, route: { cluster: `c${i}` } }] });
  const config = (hosts: object[]): RouteConfiguration => ({ name: 'http_8080', virtual_hosts: hosts, ignore_port_in_host_matching: true }) as RouteConfiguration;

  it('splices virtual hosts into the bytes of encoding the whole message, reusing unchanged ones', () => {
    const cache = new EncodingCache(1);
    const hosts = Array.from({ length: 300 }, (_, i) => vh(i));
    const first = config(hosts);
    expect(Buffer.from(encodeRoutes(first, cache)).equals(Buffer.from(encodeMessage('envoy.config.route.v3.RouteConfiguration', first)))).toBe(true);
    const second = config(hosts.map((h, i) => (i === 150 ? vh(i, '/api') : h)));
    expect(Buffer.from(encodeRoutes(second, cache)).equals(Buffer.from(encodeMessage('envoy.config.route.v3.RouteConfiguration', second)))).toBe(true);
    const long = config([{ ...vh(0), routes: Array.from({ length: 2000 }, (_, i) => ({ name: `r${i}`, match: { path: `/p${i}` }, route: { cluster: 'c' } })) }, vh(1)]);
    expect(Buffer.from(encodeRoutes(long, cache)).equals(Buffer.from(encodeMessage('envoy.config.route.v3.RouteConfiguration', long)))).toBe(true);
  });

  it('fails exactly like encoding the whole message', () => {
    const cache = new EncodingCache(1);
    const bad = config([vh(0), { ...vh(1), bogus: true }]);
    expect(() => encodeRoutes(bad, cache)).toThrow(/virtual_hosts\[1\]\.bogus: unknown field/);
    expect(() => encodeRoutes({ ...config([vh(0)]), nope: 1 } as RouteConfiguration, cache)).toThrow(/nope: unknown field/);
  });
});
