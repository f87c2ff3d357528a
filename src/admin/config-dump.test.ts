import { silentLogger } from '../log';
import { FakeClock } from '../../test/fakes/fake-clock';
import { DEFAULT_GROUP } from '../xds/cache/node-hash';
import { SnapshotCache } from '../xds/cache/snapshot-cache';
import { loadResourcesFile, publishResources } from '../xds/resources-file';
import { buildSnapshot, EMPTY_RESOURCES } from '../xds/snapshot-builder';
import { TypeUrl } from '../xds/type-urls';
import { ConfigDump } from './config-dump';
import path from 'node:path';

const DEMO = path.join(__dirname, '../../examples/xds/demo.yaml');
const T = 'type.googleapis.com/envoy.admin.v3.';

type Dump = { configs: Record<string, unknown>[] };

function body(res: { status: number; body: unknown }): Dump {
  expect(res.status).toBe(200);
  return res.body as Dump;
}

describe('ConfigDump', () => {
  let clock: FakeClock;
  let cache: SnapshotCache;
  beforeEach(() => {
    clock = new FakeClock(1_700_000_000_000);
    cache = new SnapshotCache({ clock, logger: silentLogger });
  });

  it('dumps four empty config dumps before anything is published', () => {
    const dump = body(new ConfigDump({ cache }).respond(null));
    expect(dump.configs.map((c) => c['@type'])).toEqual([`${T}ClustersConfigDump`, `${T}ListenersConfigDump`, `${T}RoutesConfigDump`, `${T}EndpointsConfigDump`]);
  });

  it("dumps the served snapshot in Envoy's config_dump shape", async () => {
    expect(publishResources(cache, await loadResourcesFile(DEMO)).status).toBe('published');
    const snapshot = cache.snapshotFor(DEFAULT_GROUP)?.snapshot;
    const dump = body(new ConfigDump({ cache, versionPrefix: 'e1' }).respond(null));
    const [clusters, listeners, routes, endpoints] = dump.configs as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(clusters).toEqual({
      '@type': `${T}ClustersConfigDump`,
      version_info: `e1-${snapshot?.version(TypeUrl.Cluster)}`,
      dynamic_active_clusters: [
        {
          version_info: snapshot?.get(TypeUrl.Cluster, 'demo')?.version,
          cluster: expect.objectContaining({
            '@type': TypeUrl.Cluster,
            name: 'demo',
            type: 'EDS',
            connect_timeout: '1s',
            outlier_detection: expect.objectContaining({ consecutive_5xx: 5, base_ejection_time: '30s' }),
          }),
          last_updated: '2023-11-14T22:13:20.000Z',
        },
      ],
    });
    const listener = (listeners.dynamic_listeners as Record<string, Record<string, Record<string, unknown>>>[])[0];
    expect(listener?.name).toBe('demo-listener');
    expect(listener?.active_state?.listener).toMatchObject({ '@type': TypeUrl.Listener, name: 'demo-listener' });
    const hcm = (listener?.active_state?.listener as { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] }).filter_chains[0]?.filters[0]?.typed_config;
    expect(hcm).toMatchObject({ '@type': expect.stringContaining('HttpConnectionManager'), rds: { route_config_name: 'demo-routes' } });
    expect(routes).toMatchObject({ dynamic_route_configs: [{ route_config: { name: 'demo-routes' } }] });
    expect(endpoints).toMatchObject({ dynamic_endpoint_configs: [{ endpoint_config: { cluster_name: 'demo' } }] });
  });

  it('keeps last_updated of unchanged resources across publishes, and moves it for changed ones', () => {
    const dumper = new ConfigDump({ cache });
    cache.setSnapshot(DEFAULT_GROUP, buildSnapshot({ ...EMPTY_RESOURCES, routes: [{ name: 'a' }, { name: 'b' }] }));
    dumper.respond(null);
    clock.advance(60_000);
    cache.setSnapshot(DEFAULT_GROUP, buildSnapshot({ ...EMPTY_RESOURCES, routes: [{ name: 'a' }, { name: 'b', virtual_hosts: [{ name: 'v', domains: ['*'] }] }] }));
    const routes = body(dumper.respond(null)).configs[2]?.dynamic_route_configs as { route_config: { name: string }; last_updated: string }[];
    expect(routes.map((r) => [r.route_config.name, r.last_updated])).toEqual([
      ['a', '2023-11-14T22:13:20.000Z'],
      ['b', '2023-11-14T22:14:20.000Z'],
    ]);
  });

  it('labels each dump with its group when several are served, and selects one with ?group=', () => {
    cache.setSnapshot('blue', buildSnapshot({ ...EMPTY_RESOURCES, routes: [{ name: 'rb' }] }));
    cache.setSnapshot('green', buildSnapshot({ ...EMPTY_RESOURCES, routes: [{ name: 'rg' }] }));
    const dumper = new ConfigDump({ cache });
    const all = body(dumper.respond(null));
    expect(all.configs.map((c) => c.group)).toEqual(['blue', 'blue', 'blue', 'blue', 'green', 'green', 'green', 'green']);
    const green = body(dumper.respond('green'));
    expect(green.configs).toHaveLength(4);
    expect(green.configs.every((c) => !('group' in c))).toBe(true);
    expect(green.configs[2]).toMatchObject({ dynamic_route_configs: [{ route_config: { name: 'rg' } }] });
    const missing = dumper.respond('red');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/no snapshot for group "red"; groups: "blue", "green"/);
  });
});
