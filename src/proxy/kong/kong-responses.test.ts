import { LocalReplies } from '../local-reply';
import { KONG_NO_PEER_MESSAGE, kongErrorBody, kongErrorReply, kongNoPeerReply, kongProxyLatencyHeaders, kongResponseLatencyHeaders } from './kong-responses';

describe("Kong's responses", () => {
  it('answers no peer with 503, JSON content type, the 62-byte body and X-Kong-Response-Latency', () => {
    const r = kongNoPeerReply({ receivedAt: 1000, now: 1003 });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.body).toBe('{\n  "message":"failure to get a peer from the ring-balancer"\n}');
    expect(r.headers['content-length']).toBe('62');
    expect(JSON.parse(r.body)).toEqual({ message: KONG_NO_PEER_MESSAGE });
    expect(r.headers['x-kong-response-latency']).toBe('3');
    expect(r.headers['x-kong-upstream-latency']).toBeUndefined();
  });

  it('matches the proxy’s built-in Kong local reply', () => {
    expect(kongNoPeerReply({ receivedAt: 0, now: 0 }).body).toBe(LocalReplies.kongNoPeer.body);
  });

  it('escapes messages and counts bytes, not characters', () => {
    const r = kongErrorReply(400, 'bad "target" é', { receivedAt: 0, now: 0 });
    expect(JSON.parse(r.body)).toEqual({ message: 'bad "target" é' });
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(kongErrorBody('bad "target" é'))));
  });

  it('puts upstream and proxy latency on proxied responses, rounded and never negative', () => {
    expect(kongProxyLatencyHeaders({ receivedAt: 100, upstreamStartAt: 102.4, upstreamHeadersAt: 130 })).toEqual({
      'x-kong-upstream-latency': '28',
      'x-kong-proxy-latency': '2',
    });
    expect(kongProxyLatencyHeaders({ receivedAt: 100 })).toEqual({});
    expect(kongProxyLatencyHeaders({ receivedAt: 100, upstreamStartAt: 101 })).toEqual({ 'x-kong-proxy-latency': '1' });
    expect(kongResponseLatencyHeaders({ receivedAt: 10, now: 9 })).toEqual({ 'x-kong-response-latency': '0' });
  });
});
