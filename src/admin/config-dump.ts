/**
 * GET /config_dump: the snapshots the cache serves, in the shape of Envoy's own /config_dump
 * (ClustersConfigDump, ListenersConfigDump, RoutesConfigDump, EndpointsConfigDump, each resource
 * as Envoy JSON with its "@type"). Receives the SnapshotCache (read only); remembers, per
 * resource, since when its current version is served (last_updated). Never mutates the cache.
 */
import type { PublishedSnapshot, SnapshotCache } from '../xds/cache/snapshot-cache';
import { toEnvoyJson } from '../xds/envoy-json';
import { TYPE_URL_PREFIX, typeNameOfUrl } from '../xds/proto';
import { TypeUrl } from '../xds/type-urls';
import type { AdminHandler, AdminResponse } from './admin-server';

const DUMP_TYPE = `${TYPE_URL_PREFIX}envoy.admin.v3.`;

type Json = Record<string, unknown>;

export interface ConfigDumpOptions {
  readonly cache: SnapshotCache;
  /** Prefix of type-level version_info, as the ADS server sends it (`<epoch>-<version>`); none by default. */
  readonly versionPrefix?: string;
}

/**
 * The config_dump of every group: with one group, exactly Envoy's shape; with several, each dump
 * appears once per group and carries a "group" key. `?group=NAME` selects one group (Envoy's shape).
 */
export class ConfigDump {
  /** group -> "typeUrl\0name" -> {version, since}; rebuilt on every dump, so removed resources are forgotten. */
  private readonly since = new Map<string, Map<string, { version: string; at: number }>>();

  constructor(private readonly options: ConfigDumpOptions) {}

  handler(): AdminHandler {
    return (req) => this.respond(req.query.get('group'));
  }

  respond(group: string | null): AdminResponse {
    const groups = this.options.cache.groups();
    this.forgetGroupsNotIn(groups);
    if (group !== null) {
      if (!groups.includes(group)) return { status: 404, body: `no snapshot for group "${group}"; groups: ${groups.map((g) => `"${g}"`).join(', ') || 'none'}\n` };
      return { status: 200, body: { configs: this.dumpsOf(group) } };
    }
    if (groups.length <= 1) return { status: 200, body: { configs: groups.length === 1 ? this.dumpsOf(groups[0] as string) : emptyDumps() } };
    return { status: 200, body: { configs: groups.flatMap((g) => this.dumpsOf(g).map((d) => ({ ...d, group: g }))) } };
  }

  private dumpsOf(group: string): Json[] {
    const published = this.options.cache.snapshotFor(group) as PublishedSnapshot;
    const previous = this.since.get(group) ?? new Map<string, { version: string; at: number }>();
    const current = new Map<string, { version: string; at: number }>();
    this.since.set(group, current);
    const sinceOf = (typeUrl: string, name: string, v: string): string => {
      const key = `${typeUrl}\u0000${name}`;
      const known = previous.get(key);
      const entry = known && known.version === v ? known : { version: v, at: published.publishedAt };
      current.set(key, entry);
      return new Date(entry.at).toISOString();
    };
    const version = (typeUrl: TypeUrl): string => {
      const v = published.snapshot.version(typeUrl);
      return this.options.versionPrefix ? `${this.options.versionPrefix}-${v}` : v;
    };
    const items = (typeUrl: TypeUrl, field: string): Json[] =>
      [...published.snapshot.resources(typeUrl).values()].map((e) => ({
        version_info: e.version,
        [field]: { '@type': typeUrl, ...(toEnvoyJson(typeNameOfUrl(typeUrl), e.bytes) as Json) },
        last_updated: sinceOf(typeUrl, e.name, e.version),
      }));
    return [
      { '@type': `${DUMP_TYPE}ClustersConfigDump`, version_info: version(TypeUrl.Cluster), dynamic_active_clusters: items(TypeUrl.Cluster, 'cluster') },
      {
        '@type': `${DUMP_TYPE}ListenersConfigDump`,
        version_info: version(TypeUrl.Listener),
        dynamic_listeners: items(TypeUrl.Listener, 'listener').map((state) => ({ name: (state.listener as Json).name, active_state: state })),
      },
      { '@type': `${DUMP_TYPE}RoutesConfigDump`, dynamic_route_configs: items(TypeUrl.Route, 'route_config') },
      { '@type': `${DUMP_TYPE}EndpointsConfigDump`, dynamic_endpoint_configs: items(TypeUrl.Endpoint, 'endpoint_config') },
    ];
  }

  private forgetGroupsNotIn(groups: readonly string[]): void {
    for (const g of this.since.keys()) if (!groups.includes(g)) this.since.delete(g);
  }
}

function emptyDumps(): Json[] {
  return [
    { '@type': `${DUMP_TYPE}ClustersConfigDump` },
    { '@type': `${DUMP_TYPE}ListenersConfigDump` },
    { '@type': `${DUMP_TYPE}RoutesConfigDump` },
    { '@type': `${DUMP_TYPE}EndpointsConfigDump` },
  ];
}
