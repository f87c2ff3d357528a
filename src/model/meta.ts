/** Kubernetes object envelope shared by every input kind (the fields healthplane reads). */
import type { Origin } from './problems';

export interface ObjectMeta {
  readonly name: string;
  /** Defaulted to `default` for namespaced kinds; '' for cluster-scoped kinds. */
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** RFC 3339; breaks route precedence ties (older first). */
  readonly creationTimestamp?: string;
  readonly generation?: number;
}

export interface KubeObject<K extends string, S> {
  readonly apiVersion: string;
  readonly kind: K;
  readonly metadata: ObjectMeta;
  readonly spec: S;
  /** Set by the parser; absent for objects that did not come from a file. */
  readonly origin?: Origin;
}
