/**
 * URL parsing and response bodies of the stand-in API server: which type, namespace, name and
 * subresource a path names, Kubernetes Status objects, list bodies and discovery documents.
 * Test infrastructure only.
 */
import type { JsonObject } from './fake-api-store';
import { apiVersionOf, FAKE_RESOURCE_TYPES, typeOfPath, type FakeResourceType } from './fake-api-types';

export type Target =
  | { readonly t: 'discovery'; readonly body: JsonObject }
  | { readonly t: 'unknown' }
  | {
      readonly t: 'resource';
      readonly rt: FakeResourceType;
      /** undefined: every namespace (or a cluster-scoped type). */
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: 'status' | undefined;
    };

/** Parses `/api/v1/...` and `/apis/{group}/{version}/...`. */
export function parseTarget(pathname: string, installed: (rt: FakeResourceType) => boolean): Target {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { t: 'discovery', body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
    [group, version, rest] = ['', parts[1] as string, parts.slice(2)];
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { t: 'discovery', body: groupList(installed) };
    if (parts.length === 2) return { t: 'unknown' };
    [group, version, rest] = [parts[1] as string, parts[2] as string, parts.slice(3)];
  } else {
    return { t: 'unknown' };
  }
  if (rest.length === 0) return resourceList(group, version, installed);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const rt = typeOfPath(group, version, rest[0] as string);
  if (!rt || !installed(rt) || rest.length > 3) return { t: 'unknown' };
  if (rest.length === 3 && rest[2] !== 'status') return { t: 'unknown' };
  if (!rt.namespaced && namespace !== undefined) return { t: 'unknown' };
  return { t: 'resource', rt, namespace, name: rest[1], subresource: rest[2] === 'status' ? 'status' : undefined };
}

function groupList(installed: (rt: FakeResourceType) => boolean): JsonObject {
  const groups = new Map<string, Set<string>>();
  for (const rt of FAKE_RESOURCE_TYPES) {
    if (rt.group === '' || !installed(rt)) continue;
    const versions = groups.get(rt.group) ?? new Set<string>();
    versions.add(rt.version);
    groups.set(rt.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

function resourceList(group: string, version: string, installed: (rt: FakeResourceType) => boolean): Target {
  const types = FAKE_RESOURCE_TYPES.filter((rt) => rt.group === group && rt.version === version && installed(rt));
  if (types.length === 0) return { t: 'unknown' };
  const resources = types.flatMap((rt) => {
    const main = { name: rt.plural, singularName: rt.kind.toLowerCase(), namespaced: rt.namespaced, kind: rt.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] };
    const status = { name: `${rt.plural}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: ['get', 'patch', 'update'] };
    return rt.statusSubresource ? [main, status] : [main];
  });
  return { t: 'discovery', body: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources } };
}

export function statusBody(code: number, reason: string, message: string): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A list body: built-in types' items carry no apiVersion/kind (as a real API server answers). */
export function listBody(rt: FakeResourceType, items: JsonObject[], rv: number, cont: string | undefined, remaining: number): JsonObject {
  const shown = rt.builtin
    ? items.map((o) => {
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest;
      })
    : items;
  const metadata: JsonObject = { resourceVersion: String(rv) };
  if (cont !== undefined) {
    metadata.continue = cont;
    metadata.remainingItemCount = remaining;
  }
  return { apiVersion: apiVersionOf(rt), kind: `${rt.kind}List`, metadata, items: shown };
}
