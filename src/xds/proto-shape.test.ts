import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { fullShapeProblems, messageType, shapeProblems } from './proto';

/** The fast shape check must find a problem whenever the full walk does (and never invent one). */
const DIR = join(__dirname, '../../test/xds/testdata');
const TYPES: Record<string, string> = {
  clusters: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  listeners: 'envoy.config.listener.v3.Listener',
  routes: 'envoy.config.route.v3.RouteConfiguration',
};

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function resources(): [string, string, Json][] {
  return readdirSync(DIR).flatMap((file) => {
    const section = file.split('.').slice(-2)[0] as string;
    const type = TYPES[section];
    if (!type) return [];
    const list = (YAML.parse(readFileSync(join(DIR, file), 'utf8')) ?? []) as Json[];
    return list.map((r, i): [string, string, Json] => [`${file}[${i}]`, type, r]);
  });
}

/** Copies of `r` with one change each: an unknown key in every object, every leaf replaced by values of other types. */
function mutations(r: Json): Json[] {
  const out: Json[] = [];
  const paths: (string | number)[][] = [];
  const walk = (v: Json, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(r, []);
  const edit = (path: (string | number)[], f: (v: Json) => Json): Json => {
    const copy = structuredClone(r);
    if (path.length === 0) return f(copy);
    let holder = copy as Record<string | number, Json>;
    for (const k of path.slice(0, -1)) holder = holder[k] as Record<string | number, Json>;
    const last = path[path.length - 1] as string | number;
    holder[last] = f(holder[last] as Json);
    return copy;
  };
  for (const path of paths) {
    out.push(edit(path, (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, no_such_field: 1 } : v)));
    for (const other of [{}, 'text', 7, 2.5, true, [], ['x'], '12', 'UNKNOWN_ENUM']) out.push(edit(path, () => other as Json));
  }
  return out;
}

describe('shapeProblems (the fast pass) agrees with the full walk', () => {
  it.each(resources())('on %s and every single-field change of it', (_, typeName, r) => {
    const type = messageType(typeName);
    expect(shapeProblems(type, r)).toEqual([]);
    for (const m of mutations(r)) expect(shapeProblems(type, m)).toEqual(fullShapeProblems(type, m));
  });

  it('on oneofs with two members set, and on expanded Anys', () => {
    const route = messageType('envoy.config.route.v3.RouteConfiguration');
    const twoActions = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'a', weighted_clusters: { clusters: [] } } }] }] };
    expect(shapeProblems(route, twoActions)).toEqual(fullShapeProblems(route, twoActions));
    expect(shapeProblems(route, twoActions)).toHaveLength(1);
    const listener = messageType('envoy.config.listener.v3.Listener');
    const hcm = (extra: object): object => ({ name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 's', ...extra } }] }] });
    for (const l of [hcm({}), hcm({ rds: { route_config_name: 'a' }, route_config: { name: 'b' } }), hcm({ bogus: 1 }), { name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'nope' } }] }] }]) {
      expect(shapeProblems(listener, l)).toEqual(fullShapeProblems(listener, l));
    }
  });
});
