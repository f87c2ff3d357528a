import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { loadRoot, PROTO_DIR, protoFiles } from '../../src/xds/proto';
import { compareFiles, compareRoots, declarations, loadUpstream } from './compare-protos';

const files = protoFiles();
const ours = loadRoot(PROTO_DIR, files);
const upstream = loadUpstream(files);

function protoFilesOnDisk(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return protoFilesOnDisk(path.join(dir, e.name), rel);
    return e.name.endsWith('.proto') ? [rel] : [];
  });
}

describe('proto/ subset versus the upstream Envoy API', () => {
  it('proto/files.json lists exactly the .proto files under proto/', () => {
    expect(protoFilesOnDisk(PROTO_DIR).sort()).toEqual([...files].sort());
  });

  it('declares the messages and services the server and translators rely on', () => {
    for (const name of [
      'envoy.service.discovery.v3.AggregatedDiscoveryService',
      'envoy.service.status.v3.ClientStatusDiscoveryService',
      'envoy.config.cluster.v3.Cluster',
      'envoy.config.cluster.v3.OutlierDetection',
      'envoy.config.core.v3.HealthCheck',
      'envoy.config.endpoint.v3.ClusterLoadAssignment',
      'envoy.config.listener.v3.Listener',
      'envoy.config.route.v3.RouteConfiguration',
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'envoy.extensions.filters.http.router.v3.Router',
    ]) {
      expect(ours.lookup(name)).not.toBeNull();
    }
    expect(declarations(ours).length).toBeGreaterThan(100);
  });

  it('keeps the fields the translators emit (whole messages where the brief asks for all fields)', () => {
    const whole = ['envoy.config.cluster.v3.OutlierDetection', 'envoy.config.core.v3.HealthCheck.HttpHealthCheck', 'envoy.config.core.v3.HealthCheck.Payload'];
    for (const name of whole) {
      expect(ours.lookupType(name).fieldsArray.map((f) => f.name)).toEqual(upstream.lookupType(name).fieldsArray.map((f) => f.name));
    }
    const required: Record<string, string[]> = {
      'envoy.config.cluster.v3.Cluster': ['name', 'type', 'eds_cluster_config', 'connect_timeout', 'lb_policy', 'load_assignment', 'health_checks', 'outlier_detection', 'common_lb_config', 'ignore_health_on_host_removal', 'circuit_breakers', 'per_connection_buffer_limit_bytes', 'typed_extension_protocol_options'],
      'envoy.config.cluster.v3.Cluster.CommonLbConfig': ['healthy_panic_threshold'],
      'envoy.config.core.v3.HealthCheck': ['event_log_path', 'always_log_health_check_failures', 'unhealthy_edge_interval', 'healthy_edge_interval', 'no_traffic_interval', 'no_traffic_healthy_interval', 'interval_jitter', 'interval_jitter_percent', 'initial_jitter', 'reuse_connection', 'event_logger', 'tcp_health_check', 'grpc_health_check'],
      'envoy.config.endpoint.v3.Endpoint': ['address', 'health_check_config', 'hostname'],
      'envoy.config.endpoint.v3.ClusterLoadAssignment': ['cluster_name', 'endpoints', 'policy'],
      'envoy.config.route.v3.RouteMatch': ['prefix', 'path', 'safe_regex', 'headers', 'query_parameters'],
      'envoy.config.route.v3.RouteAction': ['cluster', 'weighted_clusters', 'cluster_not_found_response_code', 'timeout', 'prefix_rewrite', 'regex_rewrite', 'host_rewrite_literal'],
      'envoy.config.route.v3.Route': ['redirect', 'direct_response', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove'],
      'envoy.config.route.v3.VirtualHost': ['request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove'],
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager': ['stat_prefix', 'codec_type', 'rds', 'route_config', 'http_filters'],
      'envoy.config.listener.v3.Listener': ['name', 'address', 'filter_chains', 'api_listener', 'per_connection_buffer_limit_bytes'],
      'envoy.service.status.v3.ClientConfig.GenericXdsConfig': ['type_url', 'name', 'version_info', 'xds_config', 'last_updated', 'config_status', 'client_status', 'error_state', 'is_static_resource'],
    };
    const missing = Object.entries(required).flatMap(([type, fields]) =>
      fields.filter((f) => !ours.lookupType(type).fields[f]).map((f) => `${type}.${f}`),
    );
    expect(missing).toEqual([]);
  });

  it('every declared message, enum and service is identical to upstream', () => {
    expect(compareRoots(ours, upstream)).toEqual([]);
  });

  it('every top-level declaration lives in the same file as upstream', () => {
    expect(compareFiles(ours, PROTO_DIR, upstream)).toEqual([]);
  });
});

describe('src/xds/generated/ is in step with proto/', () => {
  const generatedDir = path.join(__dirname, '../../src/xds/generated');

  it('has a type file for every top-level message, naming every field (else rerun npm run gen:types)', () => {
    const stale: string[] = [];
    for (const obj of declarations(ours)) {
      if (!(obj instanceof protobuf.Type) || obj.parent instanceof protobuf.Type) continue;
      if (obj.fullName.startsWith('.google.protobuf.')) continue;
      const file = path.join(generatedDir, ...obj.fullName.slice(1).split('.')) + '.ts';
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const missing = obj.fieldsArray.filter((f) => !text.includes(`'${f.name}'?:`));
      if (!text || missing.length > 0) stale.push(`${obj.fullName.slice(1)}: ${text ? missing.map((f) => f.name).join(', ') : 'no file'}`);
    }
    expect(stale).toEqual([]);
  });
});

describe('compareRoots catches differences (in-memory altered copy)', () => {
  const altered = (edit: (root: protobuf.Root) => void): string[] => {
    const copy = loadRoot(PROTO_DIR, files);
    edit(copy);
    return compareRoots(copy, upstream);
  };
  /** Replace a field of `type` by `field` (resolved in place, as loading would). */
  const replace = (type: protobuf.Type, field: protobuf.Field | protobuf.MapField): void => {
    const old = type.fields[field.name];
    if (old) type.remove(old);
    type.add(field);
    field.resolve();
  };

  it('a renumbered field', () => {
    const diff = altered((r) => {
      replace(r.lookupType('envoy.config.core.v3.HealthCheck'), new protobuf.Field('interval', 99, 'google.protobuf.Duration'));
    });
    expect(diff).toEqual(['envoy.config.core.v3.HealthCheck.interval: number 99 != upstream 2']);
  });

  it('a field with another type, a lost repeated label, a field that does not exist upstream', () => {
    const diff = altered((r) => {
      const t = r.lookupType('envoy.config.cluster.v3.Cluster');
      replace(t, new protobuf.Field('connect_timeout', 4, 'google.protobuf.UInt32Value'));
      replace(t, new protobuf.Field('health_checks', 8, 'envoy.config.core.v3.HealthCheck'));
      replace(t, new protobuf.Field('made_up', 999, 'string'));
    });
    expect(diff).toEqual(
      expect.arrayContaining([
        'envoy.config.cluster.v3.Cluster.connect_timeout: type .google.protobuf.UInt32Value != upstream .google.protobuf.Duration',
        'envoy.config.cluster.v3.Cluster.health_checks: repeated false != upstream true',
        'envoy.config.cluster.v3.Cluster.made_up: no such field upstream',
      ]),
    );
    expect(diff).toHaveLength(3);
  });

  it('a map key type, a oneof membership and a packed flag', () => {
    const diff = altered((r) => {
      const cluster = r.lookupType('envoy.config.cluster.v3.Cluster');
      replace(cluster, new protobuf.MapField('typed_extension_protocol_options', 36, 'int32', 'google.protobuf.Any'));
      const match = r.lookupType('envoy.config.route.v3.RouteMatch');
      match.oneofs.path_specifier!.remove(match.fields.prefix!);
      replace(match, new protobuf.Field('prefix', 1, 'string'));
      const set = r.lookupType('envoy.config.core.v3.HealthStatusSet');
      replace(set, new protobuf.Field('statuses', 1, 'HealthStatus', 'repeated', undefined, { packed: false }));
    });
    expect(diff).toEqual([
      'envoy.config.cluster.v3.Cluster.typed_extension_protocol_options: map key type int32 != upstream string',
      'envoy.config.core.v3.HealthStatusSet.statuses: packed false != upstream true',
      'envoy.config.route.v3.RouteMatch.prefix: oneof (none) != upstream path_specifier',
    ]);
  });

  it('an enum value renamed or renumbered, and a message missing upstream', () => {
    const diff = altered((r) => {
      const e = r.lookupEnum('envoy.config.core.v3.HealthStatus');
      e.remove('DEGRADED');
      e.add('DEGRADED', 9);
      r.lookupType('envoy.config.core.v3.HealthCheck').add(new protobuf.Type('Invented'));
    });
    expect(diff).toHaveLength(2);
    expect(diff[0]).toMatch(/^envoy\.config\.core\.v3\.HealthStatus: enum values .*"DEGRADED",9/);
    expect(diff[1]).toBe('envoy.config.core.v3.HealthCheck.Invented: message is nothing upstream');
  });

  it('a method with another streaming flag or request type', () => {
    const diff = altered((r) => {
      const s = r.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService');
      const m = s.methods.DeltaAggregatedResources!;
      s.remove(m);
      const changed = new protobuf.Method('DeltaAggregatedResources', 'rpc', 'DiscoveryRequest', 'DeltaDiscoveryResponse', true, false);
      s.add(changed);
      changed.resolve();
    });
    expect(diff).toEqual([
      'envoy.service.discovery.v3.AggregatedDiscoveryService.DeltaAggregatedResources: request type .envoy.service.discovery.v3.DiscoveryRequest != upstream .envoy.service.discovery.v3.DeltaDiscoveryRequest',
      'envoy.service.discovery.v3.AggregatedDiscoveryService.DeltaAggregatedResources: response streaming false != upstream true',
    ]);
  });
});
