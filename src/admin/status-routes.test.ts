import type { AdminRequest } from './admin-server';
import { readyHandler, type ReadinessState } from './status-routes';

const get = (state: ReadinessState): unknown => readyHandler(() => state)({ path: '/ready', query: new URLSearchParams() } satisfies AdminRequest);

describe('readyHandler', () => {
  it('answers 200 or 503 with the reason, then the notes one per line', () => {
    expect(get({ ready: true })).toEqual({ status: 200, body: 'ready\n' });
    expect(get({ ready: false, reason: 'no snapshot published yet' })).toEqual({ status: 503, body: 'not ready: no snapshot published yet\n' });
    expect(get({ ready: true, notes: ['Upstream: the upstreams.gloo.solo.io CRD (gloo.solo.io/v1) is not installed; not watched'] })).toEqual({
      status: 200,
      body: 'ready\n  Upstream: the upstreams.gloo.solo.io CRD (gloo.solo.io/v1) is not installed; not watched\n',
    });
    expect(get({ ready: false, reason: 'the Kubernetes informers have not listed every kind yet', notes: ['Service: not listed yet', 'HTTPRoute: not listed yet'] })).toEqual({
      status: 503,
      body: 'not ready: the Kubernetes informers have not listed every kind yet\n  Service: not listed yet\n  HTTPRoute: not listed yet\n',
    });
  });
});
