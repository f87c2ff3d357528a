/**
 * Test helper: loads the upstream Envoy/xDS .proto definitions (with their PGV annotations) that
 * ship in the dev dependency @grpc/grpc-js-xds, once per test file, with keepCase so violation
 * paths use proto field names. Exposes `upstreamRoot()`, `envoyViolations()` and the jest-friendly
 * `expectEnvoyValid()`. Test-only: never import this from src/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { checkMessage, formatViolations, type CheckOptions, type Violation } from '../../src/xds/validate/pgv-checker';

const XDS_PACKAGE_DIR = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const DEPS = path.join(XDS_PACKAGE_DIR, 'deps');
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));

/** Include paths, in the order protoc would be given them. */
const INCLUDE_DIRS = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((d) => path.join(DEPS, d)).concat([PROTOBUFJS_DIR]);

/** Every .proto in these envoy-api packages is loaded (imports follow). */
export const UPSTREAM_PACKAGES: readonly string[] = [
  'envoy/config/cluster/v3',
  'envoy/config/endpoint/v3',
  'envoy/config/listener/v3',
  'envoy/config/route/v3',
  'envoy/extensions/filters/network/http_connection_manager/v3',
  'envoy/extensions/filters/http/router/v3',
  'envoy/service/discovery/v3',
  'envoy/service/status/v3',
];

let cached: protobuf.Root | undefined;

function protoFiles(): string[] {
  const files: string[] = [];
  for (const pkg of UPSTREAM_PACKAGES) {
    const dir = path.join(DEPS, 'envoy-api', pkg);
    for (const name of fs.readdirSync(dir).sort()) if (name.endsWith('.proto')) files.push(`${pkg}/${name}`);
  }
  return files;
}

/** The upstream root, loaded on first use and shared by every test in the file. */
export function upstreamRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target)) return target;
    for (const dir of INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(protoFiles(), { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** Every violation of the upstream PGV rules (plus Envoy load-time checks) in one resource. */
export function envoyViolations(typeUrlOrFullName: string, value: Uint8Array | object, options?: CheckOptions): Violation[] {
  return checkMessage(upstreamRoot(), typeUrlOrFullName, value, options);
}

/** Throws (failing the test) with every violation listed when the resource breaks a rule. */
export function expectEnvoyValid(typeUrlOrFullName: string, value: Uint8Array | object, options?: CheckOptions): void {
  const violations = envoyViolations(typeUrlOrFullName, value, options);
  if (violations.length > 0) {
    const name = typeUrlOrFullName.slice(typeUrlOrFullName.lastIndexOf('/') + 1);
    throw new Error(`${name} breaks ${violations.length} Envoy validation rule(s):\n${formatViolations(violations)}`);
  }
}
