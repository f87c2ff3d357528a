import { parseResources } from '../sources/file/parse';
import { toInputResources } from '../model/resources';
import { translateInputs } from '../translate/translate';
import type { Snapshot } from '../xds/cache/snapshot';
import { buildSnapshot, type XdsResources } from '../xds/snapshot-builder';
import { toXdsResources } from '../xds/translate';
import { ALL_TYPE_URLS, TypeUrl } from '../xds/type-urls';
import { SnapshotMemo } from './snapshot-memo';

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: hp}
spec: {controllerName: healthplane.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: hp
  listeners: [{name: http, port: 8080, protocol: HTTP}]
`;

const upstreamAndRoute = (i: number, interval = 2): string => `---
apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: up-${i}, namespace: default}
spec:
  static: {hosts: [{addr: 10.0.0.${i}, port: 80}]}
  healthChecks: [{timeout: 1s, interval: ${interval}s, unhealthyThreshold: 1, healthyThreshold: 1, httpHealthCheck: {path: /h}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r-${i}, namespace: default}
spec:
  parentRefs: [{name: web}]
  hostnames: [app-${i}.example.com]
  rules: [{backendRefs: [{group: gloo.solo.io, kind: Upstream, name: up-${i}}]}]
`;

function resources(intervals: readonly number[]): XdsResources {
  const yaml = GATEWAY + intervals.map((interval, i) => upstreamAndRoute(i + 1, interval)).join('');
  const parsed = parseResources(yaml, 'in.yaml');
  return toXdsResources(translateInputs(toInputResources(parsed.objects)).ir);
}

const versions = (s: Snapshot): string[] => ALL_TYPE_URLS.map((t) => s.version(t));

describe('SnapshotMemo', () => {
  it('builds the same snapshot as buildSnapshot (versions, bytes, references)', () => {
    const r = resources([2, 2, 2]);
    const memo = new SnapshotMemo().build(r);
    const plain = buildSnapshot(r);
    expect(versions(memo)).toEqual(versions(plain));
    for (const t of ALL_TYPE_URLS) {
      for (const [name, e] of plain.resources(t)) {
        expect(memo.get(t, name)?.references).toEqual(e.references);
        expect(Buffer.from(memo.get(t, name)?.bytes ?? []).equals(Buffer.from(e.bytes))).toBe(true);
      }
    }
  });

  it('encodes again only what changed, and still matches buildSnapshot', () => {
    const encoded: number[] = [];
    const memo = new SnapshotMemo((r) => {
      encoded.push(r.clusters.length + r.endpoints.length + r.listeners.length + r.routes.length);
      return buildSnapshot(r);
    });
    memo.build(resources([2, 2, 2]));
    const changed = resources([2, 5, 2]);
    const second = memo.build(changed);
    expect(encoded).toEqual([8, 1]); // 3 clusters + 3 endpoints + 1 listener + 1 route config; then cluster up-2 only
    expect(memo.lastEncoded).toBe(1);
    expect(versions(second)).toEqual(versions(buildSnapshot(changed)));
    memo.build(changed);
    expect(encoded).toEqual([8, 1]); // nothing changed: nothing encoded
  });

  it('drops what is gone and keeps failing like buildSnapshot (the memo unchanged on failure)', () => {
    const memo = new SnapshotMemo();
    memo.build(resources([2, 2]));
    const fewer = memo.build(resources([2]));
    expect([...fewer.resources(TypeUrl.Cluster).keys()]).toEqual(['up-1_default']);
    const good = resources([2]);
    const duplicated = { ...good, clusters: [...good.clusters, good.clusters[0]] } as XdsResources;
    expect(() => memo.build(duplicated)).toThrow(/duplicate/);
    const broken = { ...good, clusters: [{ ...good.clusters[0], no_such_field: 1 }] } as unknown as XdsResources;
    expect(() => memo.build(broken)).toThrow();
    expect(versions(memo.build(good))).toEqual(versions(buildSnapshot(good)));
    expect(memo.lastEncoded).toBe(0);
  });
});
