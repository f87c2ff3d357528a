import { encodeMessage } from '../proto';
import { decodeSotwRequest } from './sotw-request-decoder';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

describe('decodeSotwRequest', () => {
  test('decodes like the generic decoder, keeping the names as a lazily decoded region', () => {
    const bytes = encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', {
      version_info: 'v1',
      node: { id: 'n', cluster: 'c', user_agent_name: 'envoy' },
      resource_names: ['a', 'bb', 'ccc'],
      type_url: CDS,
      response_nonce: '7',
      error_detail: { code: 14, message: 'bad' },
    });
    const req = decodeSotwRequest(bytes);
    expect(req).toMatchObject({ version_info: 'v1', type_url: CDS, response_nonce: '7', error_detail: { code: 14, message: 'bad' } });
    expect(req.node).toMatchObject({ id: 'n', cluster: 'c', user_agent_name: 'envoy' });
    expect(req.resource_names).toEqual(['a', 'bb', 'ccc']);
    expect(req.resource_names_region).toBeDefined();
  });

  test('equal name lists give byte-equal regions, different ones do not', () => {
    const enc = (names: string[], nonce: string): Uint8Array =>
      encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', { type_url: CDS, resource_names: names, response_nonce: nonce });
    const a = decodeSotwRequest(enc(['x', 'y'], '1')).resource_names_region!;
    const b = decodeSotwRequest(enc(['x', 'y'], '2')).resource_names_region!;
    const c = decodeSotwRequest(enc(['x', 'z'], '3')).resource_names_region!;
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  test('names interleaved with other fields are decoded eagerly, without a region', () => {
    const name = (s: string): number[] => [0x1a, s.length, ...Buffer.from(s)];
    const typeUrl = [0x22, CDS.length, ...Buffer.from(CDS)];
    const req = decodeSotwRequest(Uint8Array.from([...name('a'), ...typeUrl, ...name('b')]));
    expect(req.resource_names).toEqual(['a', 'b']);
    expect(req.resource_names_region).toBeUndefined();
    expect(req.type_url).toBe(CDS);
  });

  test('an empty request has no names, and malformed bytes throw', () => {
    expect(decodeSotwRequest(new Uint8Array()).resource_names).toEqual([]);
    expect(() => decodeSotwRequest(Uint8Array.from([0x18, 0x01]))).toThrow(/wire type/);
    expect(() => decodeSotwRequest(Uint8Array.from([0x1a, 0x09, 0x61]))).toThrow();
  });
});
