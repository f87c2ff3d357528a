/**
 * KubeConfigs pointing at the stand-in API server: in memory (client-node KubeConfig) or as a
 * kubeconfig file for `--kubeconfig`. Only the server URL differs from a real cluster's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stand-in', server: url, skipTLSVerify: url.startsWith('http:') }],
    users: [{ name: 'tester', token: 'stand-in-token' }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'tester' }],
    currentContext: 'stand-in',
  });
  return kc;
}

/**
 * Writes a kubeconfig file for `url` into `dir` (as `name`, default kubeconfig.yaml) with a bearer
 * token (default stand-in-token; give each client its own to tell their requests apart); returns its path.
 */
export function writeKubeconfig(dir: string, url: string, options: { readonly name?: string; readonly token?: string } = {}): string {
  const file = path.join(dir, options.name ?? 'kubeconfig.yaml');
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: stand-in`,
    `  cluster: {server: "${url}"${url.startsWith('http:') ? ', insecure-skip-tls-verify: true' : ''}}`,
    'users:',
    '- name: tester',
    `  user: {token: ${options.token ?? 'stand-in-token'}}`,
    'contexts:',
    '- name: stand-in',
    '  context: {cluster: stand-in, user: tester}',
    'current-context: stand-in',
    '',
  ].join('\n');
  fs.writeFileSync(file, text);
  return file;
}
