/**
 * Resource identity: the kind/namespace/name triple every problem, status and IR origin names.
 * Cluster-scoped kinds (GatewayClass) use the empty namespace.
 */

export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped kinds. */
export function refKey(ref: ResourceRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** The inverse of refKey(); undefined when the text is not a key. */
export function parseRef(key: string): ResourceRef | undefined {
  const parts = key.split('/');
  if (parts.some((p) => p === '')) return undefined;
  if (parts.length === 2) return { kind: parts[0] as string, namespace: '', name: parts[1] as string };
  if (parts.length === 3) return { kind: parts[0] as string, namespace: parts[1] as string, name: parts[2] as string };
  return undefined;
}

/** Total order on refs (kind, namespace, name): the sort order of statuses and problems. */
export function compareRefs(a: ResourceRef, b: ResourceRef): number {
  return cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
