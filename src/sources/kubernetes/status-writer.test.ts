import { silentLogger } from '../../log';
import type { Problem } from '../../model/problems';
import type { ResourceStatus } from '../../translate/status';
import { FakeClock } from '../../../test/fakes/fake-clock';
import { FakeApiServer, type RequestRecord } from '../../../test/k8s/fake-api-server';
import { kubeConfigFor } from '../../../test/k8s/kube-config';
import { KubeHttpApi } from './api-client';
import { StatusWriter } from './status-writer';

const CONTROLLER = 'healthplane.dev/gateway-controller';
type Obj = Record<string, unknown>;

const route = (): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'demo', namespace: 'default' },
  spec: { parentRefs: [{ name: 'kong' }], rules: [{ backendRefs: [{ name: 'httpbin', port: 80 }] }] },
});
const routeStatus = (accepted: boolean): ResourceStatus => ({
  ref: { kind: 'HTTPRoute', namespace: 'default', name: 'demo' },
  conditions: [],
  parents: [{
    parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'kong' },
    controllerName: CONTROLLER,
    conditions: [
      { type: 'Accepted', status: accepted ? 'True' : 'False', reason: accepted ? 'Accepted' : 'NoMatchingParent', message: accepted ? 'accepted' : 'no listener matches' },
      { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'resolved' },
    ],
  }],
});
const upstream = (): Obj => ({ apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { kube: { serviceName: 'httpbin', servicePort: 8000 } } });
const upstreamRef = { kind: 'Upstream', namespace: 'httpbin', name: 'httpbin' };
const accepted = (ref: ResourceStatus['ref'], ok = true): ResourceStatus => ({ ref, conditions: [{ type: 'Accepted', status: ok ? 'True' : 'False', reason: ok ? 'Accepted' : 'Invalid', message: ok ? 'accepted' : '1 error(s)' }] });
const problem = (severity: Problem['severity'], path: string, message: string, ref = upstreamRef): Problem => ({ severity, ref, path, reason: severity === 'error' ? 'Invalid' : 'Defaulted', message });

describe('StatusWriter against the stand-in API server', () => {
  let server: FakeApiServer;
  let clock: FakeClock;
  let leader: boolean;
  let writer: StatusWriter;

  beforeEach(async () => {
    server = await FakeApiServer.start();
    clock = new FakeClock(Date.UTC(2025, 0, 1));
    leader = true;
    writer = new StatusWriter({
      api: new KubeHttpApi(kubeConfigFor(server.url), 5000),
      live: (kind, ns, name) => server.get(kind, ns, name),
      clock, logger: silentLogger, isLeader: () => leader, isSynced: () => true, controllerName: CONTROLLER, statusNamespace: 'healthplane',
    });
  });
  afterEach(async () => {
    writer.stop();
    await server.close();
  });

  const patches = (): RequestRecord[] => server.requests.filter((r) => r.method === 'PATCH');
  const statusOf = (kind: string, ns: string, name: string): Obj => (server.get(kind, ns, name)?.status ?? {}) as Obj;
  const write = async (statuses: ResourceStatus[], problems: Problem[] = []): Promise<void> => {
    writer.update(statuses, problems);
    await writer.whenIdle();
  };

  it('writes HTTPRoute parents once per change, keeping other controllers\' entries and transition times', async () => {
    const other = { parentRef: { name: 'other' }, controllerName: 'example.com/other', conditions: [] };
    server.apply({ ...route(), status: { parents: [other] } });
    await write([routeStatus(true)]);
    expect(patches()).toHaveLength(1);
    expect(patches()[0]?.path).toBe('/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/demo/status');
    const parents = statusOf('HTTPRoute', 'default', 'demo').parents as { controllerName: string; conditions: Obj[] }[];
    expect(parents.map((p) => p.controllerName)).toEqual(['example.com/other', CONTROLLER]);
    expect(parents[1]?.conditions[0]).toEqual({ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 1 });
    clock.advance(60_000);
    await write([routeStatus(true)]);
    writer.touched('HTTPRoute', 'default', 'demo'); // our own write coming back through the informer
    await writer.whenIdle();
    expect(patches()).toHaveLength(1);
    await write([routeStatus(false)]);
    expect(patches()).toHaveLength(2);
    const flipped = (statusOf('HTTPRoute', 'default', 'demo').parents as { conditions: Obj[] }[])[1]?.conditions;
    expect(flipped?.[0]).toMatchObject({ status: 'False', reason: 'NoMatchingParent', lastTransitionTime: '2025-01-01T00:01:00Z' });
    expect(flipped?.[1]).toMatchObject({ status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }); // unchanged: time kept
  });

  it('writes Upstream status in Gloo\'s shape: Accepted, Warning with the warnings, Rejected with the errors', async () => {
    server.apply({ ...upstream(), status: { statuses: { 'gloo-system': { state: 'Accepted', reportedBy: 'gloo' } } } });
    await write([accepted(upstreamRef)]);
    expect(statusOf('Upstream', 'httpbin', 'httpbin').statuses).toEqual({ 'gloo-system': { state: 'Accepted', reportedBy: 'gloo' }, healthplane: { state: 'Accepted', reportedBy: 'healthplane' } });
    await write([accepted(upstreamRef)], [problem('warning', 'spec.healthChecks[0].healthyThreshold', 'not set; defaulted to 1')]);
    expect((statusOf('Upstream', 'httpbin', 'httpbin').statuses as Obj).healthplane).toEqual({ state: 'Warning', reason: 'spec.healthChecks[0].healthyThreshold: not set; defaulted to 1', reportedBy: 'healthplane' });
    await write([accepted(upstreamRef, false)], [problem('error', 'spec.outlierDetection.maxEjectionPercent', 'must be at most 100')]);
    expect((statusOf('Upstream', 'httpbin', 'httpbin').statuses as Obj).healthplane).toMatchObject({ state: 'Rejected', reason: 'spec.outlierDetection.maxEjectionPercent: must be at most 100' });
    expect(patches()).toHaveLength(3);
  });

  it('reports an object that could not be decoded (no status from the translator) as Rejected', async () => {
    server.apply(upstream());
    await write([], [problem('error', 'spec.kube.servicePort', 'must be an integer')]);
    expect((statusOf('Upstream', 'httpbin', 'httpbin').statuses as Obj).healthplane).toMatchObject({ state: 'Rejected', reason: 'spec.kube.servicePort: must be an integer' });
  });

  it('writes KongUpstreamPolicy ancestors as Kong\'s controller does', async () => {
    server.apply({ apiVersion: 'configuration.konghq.com/v1beta1', kind: 'KongUpstreamPolicy', metadata: { name: 'demo-health-checking', namespace: 'default' }, spec: {} });
    const ref = { kind: 'KongUpstreamPolicy', namespace: 'default', name: 'demo-health-checking' };
    await write([{
      ref, conditions: [],
      ancestors: [{ ancestorRef: { group: 'core', kind: 'Service', namespace: 'default', name: 'httpbin' }, controllerName: CONTROLLER, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'policy applied' }, { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'policy programmed' }] }],
    }]);
    const ancestors = statusOf('KongUpstreamPolicy', 'default', 'demo-health-checking').ancestors as Obj[];
    expect(ancestors).toEqual([expect.objectContaining({ ancestorRef: { group: 'core', kind: 'Service', namespace: 'default', name: 'httpbin' }, controllerName: CONTROLLER })]);
    expect((ancestors[0]?.conditions as Obj[]).map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'Programmed=True']);
  });

  it('writes Gateway status only for Gateways of a class whose controllerName is ours', async () => {
    server.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'healthplane' }, spec: { controllerName: CONTROLLER } });
    server.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'kong' }, spec: { controllerName: 'konghq.com/kic-gateway-controller' } });
    const gw = (name: string, cls: string): Obj => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'default' }, spec: { gatewayClassName: cls, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } });
    server.apply(gw('ours', 'healthplane'));
    server.apply(gw('theirs', 'kong'));
    const status = (name: string): ResourceStatus => ({
      ref: { kind: 'Gateway', namespace: 'default', name },
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted' }, { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'programmed' }],
      listeners: [{ name: 'http', attachedRoutes: 2, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted' }] }],
    });
    await write([status('ours'), status('theirs'), { ref: { kind: 'GatewayClass', namespace: '', name: 'healthplane' }, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }] }]);
    expect(statusOf('Gateway', 'default', 'theirs')).toEqual({});
    const ours = statusOf('Gateway', 'default', 'ours');
    expect(ours.listeners).toEqual([expect.objectContaining({ name: 'http', attachedRoutes: 2, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] })]);
    expect((statusOf('GatewayClass', '', 'healthplane').conditions as Obj[])[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });

  it('writes nothing while not leading, and everything pending once leading', async () => {
    leader = false;
    server.apply(route());
    await write([routeStatus(true)]);
    expect(patches()).toHaveLength(0);
    leader = true;
    writer.resync();
    await writer.whenIdle();
    expect(patches()).toHaveLength(1);
  });

  it('leaves a conflicting write to the next informer event', async () => {
    server.apply(route());
    server.failNext(1, 409, (r) => r.method === 'PATCH');
    await write([routeStatus(true)]);
    expect(writer.stats).toMatchObject({ writes: 0, conflicts: 1 });
    writer.touched('HTTPRoute', 'default', 'demo');
    await writer.whenIdle();
    expect(writer.stats).toMatchObject({ writes: 1, conflicts: 1 });
  });

  it('retries a failed write after the retry delay', async () => {
    server.apply(route());
    server.failNext(1, 500, (r) => r.method === 'PATCH');
    await write([routeStatus(true)]);
    expect(writer.stats.failures).toBe(1);
    clock.advance(5000);
    await writer.whenIdle();
    expect(writer.stats.writes).toBe(1);
  });
});
