/**
 * Where the Kubernetes API server is and how to authenticate: `--kubeconfig FILE` (or the
 * KUBECONFIG path the caller passes), else the in-cluster service account. Receives the flag and
 * the environment from the caller (app.ts); emits a client-node KubeConfig. Never reads
 * process.env itself and never guesses: no file and no in-cluster environment is an error.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { SourceError } from '../../errors';

export interface KubeConfigInput {
  /** `--kubeconfig FILE`. */
  readonly file: string | undefined;
  /** The process environment (KUBECONFIG, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface LoadedKubeConfig {
  readonly config: KubeConfig;
  /** The API server URL (for logs). */
  readonly server: string;
  /** Where the configuration came from (for logs and /ready). */
  readonly from: 'file' | 'in-cluster';
}

export function loadKubeConfig(input: KubeConfigInput): LoadedKubeConfig {
  const config = new KubeConfig();
  const file = input.file ?? (input.env.KUBECONFIG ? input.env.KUBECONFIG.split(':')[0] : undefined);
  let from: LoadedKubeConfig['from'];
  try {
    if (file !== undefined) {
      config.loadFromFile(file);
      from = 'file';
    } else if (input.env.KUBERNETES_SERVICE_HOST && input.env.KUBERNETES_SERVICE_PORT) {
      config.loadFromCluster();
      from = 'in-cluster';
    } else {
      throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST is not set); give --kubeconfig FILE');
    }
  } catch (err) {
    throw new SourceError('HP_SOURCE_WATCH', `--kubernetes: cannot load the cluster configuration${file ? ` from ${file}` : ''}: ${(err as Error).message}`, { cause: err });
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new SourceError('HP_SOURCE_WATCH', `--kubernetes: the kubeconfig${file ? ` ${file}` : ''} has no current context with a cluster`);
  return { config, server: cluster.server, from };
}
