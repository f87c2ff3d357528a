import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { run, type MainIo } from '../main';
import { checkMessage, formatViolations } from '../xds/validate/pgv-checker';
import { bootstrapConfig } from './bootstrap-command';

/**
 * The upstream Envoy definitions of the bootstrap (test/envoy/upstream-root.ts does not load it):
 * bootstrap.proto and the HTTP protocol options carried in typed_extension_protocol_options, with
 * their PGV annotations, from the dev dependency @grpc/grpc-js-xds.
 */
const DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDES = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((d) => path.join(DEPS, d)).concat([path.dirname(require.resolve('protobufjs/package.json'))]);
let root: protobuf.Root | undefined;

function bootstrapRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    return INCLUDES.map((d) => path.join(d, target)).find((c) => fs.existsSync(c)) ?? target;
  };
  r.loadSync(['envoy/config/bootstrap/v3/bootstrap.proto', 'envoy/extensions/upstreams/http/v3/http_protocol_options.proto'], { keepCase: true });
  r.resolveAll();
  return (root = r);
}

/** Envoy JSON -> an object Type.fromObject takes: "1s" durations become {seconds, nanos}. */
function fromJson(type: protobuf.Type, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key];
    const rt = field?.resolvedType;
    const one = (v: unknown): unknown => {
      if (rt?.fullName === '.google.protobuf.Duration' && typeof v === 'string') {
        const [s, frac = ''] = v.slice(0, -1).split('.');
        return { seconds: Number(s), nanos: Number(frac.padEnd(9, '0')) };
      }
      if (rt instanceof protobuf.Type && rt.fullName !== '.google.protobuf.Any' && typeof v === 'object' && v !== null) return fromJson(rt, v as Record<string, unknown>);
      return v;
    };
    if (field?.map) out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, one(v)]));
    else out[key] = Array.isArray(value) ? value.map(one) : one(value);
  }
  return out;
}

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

function violations(json: Record<string, unknown>): string {
  const type = bootstrapRoot().lookupType(BOOTSTRAP);
  return formatViolations(checkMessage(bootstrapRoot(), BOOTSTRAP, fromJson(type, json)));
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: MainIo = { env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), onSignal: () => () => undefined };
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('healthplane bootstrap', () => {
  it('prints a bootstrap YAML that points Envoy at healthplane over ADS (defaults)', async () => {
    const r = await cli('bootstrap', '--node-id', 'edge-1');
    expect(r.code).toBe(0);
    const doc = parseYaml(r.stdout) as Record<string, unknown>;
    expect(doc).toEqual({
      node: { id: 'edge-1' },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }], set_node_on_first_message_only: true },
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: {
        clusters: [
          {
            name: 'xds_cluster',
            type: 'STATIC',
            connect_timeout: '1s',
            typed_extension_protocol_options: {
              'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
                '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
                explicit_http_config: { http2_protocol_options: {} },
              },
            },
            load_assignment: {
              cluster_name: 'xds_cluster',
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 18000 } } } }] }],
            },
          },
        ],
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } },
    });
    expect(violations(doc)).toBe('');
  });

  it('takes the node cluster, the xDS address, delta and the admin port from the flags', async () => {
    const r = await cli('bootstrap', '--node-id', 'n', '--node-cluster', 'edge', '--xds-address', 'healthplane.svc:18001', '--delta', '--admin-port', '9000');
    const doc = parseYaml(r.stdout) as ReturnType<typeof bootstrapConfig> & Record<string, never>;
    expect(doc.node).toEqual({ id: 'n', cluster: 'edge' });
    expect(doc.dynamic_resources).toMatchObject({ ads_config: { api_type: 'DELTA_GRPC' } });
    const cluster = (doc.static_resources as { clusters: Record<string, unknown>[] }).clusters[0];
    expect(cluster).toMatchObject({ type: 'STRICT_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'healthplane.svc', port_value: 18001 } } } }] }] } });
    expect(doc.admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9000 } } });
    expect(violations(doc)).toBe('');
  });

  it('accepts an IPv6 xDS address in brackets', () => {
    const doc = bootstrapConfig({ nodeId: 'n', nodeCluster: undefined, xds: { address: '::1', port: 18000 }, delta: false, adminPort: 9901 });
    expect(JSON.stringify(doc)).toContain('"address":"::1","port_value":18000');
    expect(violations(doc)).toBe('');
  });

  it('is held to the upstream rules: the checker does find a broken bootstrap', () => {
    const doc = bootstrapConfig({ nodeId: 'n', nodeCluster: undefined, xds: { address: '127.0.0.1', port: 18000 }, delta: false, adminPort: 9901 });
    const broken = JSON.parse(
      JSON.stringify(doc).replace('"port_value":18000', '"port_value":70000').replace('"name":"xds_cluster"', '"name":""').replace('"http2_protocol_options"', '"http2_options"'),
    ) as Record<string, unknown>;
    const found = violations(broken);
    expect(found).toMatch(/clusters\[0\]\.name: string\.min_len/);
    expect(found).toMatch(/socket_address\.port_value: uint32\.lte/);
    expect(found).toMatch(/http2_options/); // inside the typed_extension_protocol_options Any
  });

  it('requires --node-id, checks HOST:PORT, and has --help', async () => {
    const missing = await cli('bootstrap');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--node-id: required/);
    expect((await cli('bootstrap', '--node-id', 'n', '--xds-address', 'localhost')).stderr).toMatch(/--xds-address: "localhost" is not HOST:PORT/);
    expect((await cli('bootstrap', '--node-id', 'n', '--xds-address', '[::1]:18000')).code).toBe(0);
    const help = await cli('bootstrap', '--help');
    expect(help.stdout).toMatch(/^Usage: healthplane bootstrap --node-id ID \[--node-cluster C\] \[--xds-address HOST:PORT\] \[--delta\]/);
  });
});
