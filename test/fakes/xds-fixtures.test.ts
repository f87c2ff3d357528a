import { expectEnvoyValid } from '../envoy/upstream-root';
import { anApiListener, aBundle } from './xds-fixtures';
import { TypeUrl } from '../../src/xds/type-urls';

// Everything the protocol tests make the server emit must be something Envoy would accept.
describe('xDS fixtures pass Envoy validation rules', () => {
  const bundle = aBundle(['a', 'b'], [9001, 9002]);
  test.each([
    ...bundle.clusters.map((c) => [TypeUrl.Cluster, c] as const),
    ...bundle.endpoints.map((e) => [TypeUrl.Endpoint, e] as const),
    ...bundle.routes.map((r) => [TypeUrl.Route, r] as const),
    [TypeUrl.Listener, anApiListener('echo', 'echo-routes')] as const,
  ])('%s', (typeUrl, resource) => {
    expectEnvoyValid(typeUrl, resource);
  });
});
