/**
 * The seed resources as a cluster holds them: manifests/examples (without the Namespaces and
 * Deployments, which healthplane does not read) plus the EndpointSlices the cluster would make for
 * their two httpbin Services. For tests that apply them to the stand-in API server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Obj = Record<string, unknown>;

export const EXAMPLES_DIR = path.resolve(__dirname, '../../manifests/examples');

/** An EndpointSlice of Service `service` with one ready endpoint per address. */
export function endpointSlice(namespace: string, name: string, service: string, addresses: readonly string[], port = 8080): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port }],
  };
}

export function seedObjects(): Obj[] {
  const docs = fs
    .readdirSync(EXAMPLES_DIR)
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')).map((d) => d.toJS() as Obj));
  const read = docs.filter((d) => !['Namespace', 'Deployment'].includes(String(d.kind)));
  return [...read, endpointSlice('default', 'httpbin-abcde', 'httpbin', ['10.244.0.7']), endpointSlice('httpbin', 'httpbin-abcde', 'httpbin', ['10.244.0.7'])];
}
