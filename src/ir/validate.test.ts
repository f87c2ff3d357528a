import type { Backend, Ir, Listener, VirtualHost } from './types';
import { IrValidationCache, validateIr } from './validate';
import { seededNumbers } from '../../test/fakes/fake-clock';

const backend = (name: string, broken = false): Backend => ({
  name,
  origins: [],
  engine: 'envoy',
  connectTimeoutMs: broken ? 0 : 1000,
  loadBalancing: 'round-robin',
  endpoints: [{ address: '10.0.0.1', port: broken ? 70000 : 80, weight: 1, health: 'healthy' }],
});

const host = (hostname: string, targets: readonly string[]): VirtualHost => ({
  name: `l/${hostname}`,
  hostname,
  routes: targets.map((t, i) => ({
    name: `${hostname}/${i}`,
    origin: 'test',
    match: { path: { type: 'PathPrefix', value: i % 5 === 4 ? 'no-slash' : '/' }, headers: [], queryParams: [] },
    action: { type: 'forward', backends: [{ name: t, weight: i % 7 === 6 ? 0 : 1 }], unresolvedWeight: 0 },
  })),
});

const listener = (port: number, hosts: readonly VirtualHost[]): Listener => ({ name: `http_${port}`, address: '0.0.0.0', port, protocol: 'HTTP', sources: [], virtualHosts: hosts });

describe('validateIr', () => {
  it('finds duplicate names, unknown backends and bad fields', () => {
    const ir: Ir = { backends: [backend('a'), backend('a'), backend('b', true)], listeners: [listener(8080, [host('x', ['a', 'zz'])]), listener(8080, [])] };
    expect(validateIr(ir).map((e) => `${e.path}: ${e.message}`)).toEqual([
      'backends[a]: duplicate backend name',
      'backends[b].connectTimeoutMs: must be > 0',
      'backends[b].endpoints[0].port: port 70000 is not in 1-65535',
      'listeners[http_8080].virtualHosts[x].routes[x/1].action.backends[zz]: unknown backend',
      'listeners[http_8080]: duplicate listener name',
    ]);
  });

  it('checks circuit-breaker thresholds are uint32', () => {
    const cb = { maxConnections: -1, maxPendingRequests: 4294967295, maxRequests: 4294967296, maxRetries: 1.5 };
    expect(validateIr({ backends: [{ ...backend('a'), circuitBreakers: cb }], listeners: [] }).map((e) => `${e.path}: ${e.message}`)).toEqual([
      'backends[a].circuitBreakers.maxConnections: -1 is not an integer in 0-4294967295',
      'backends[a].circuitBreakers.maxRequests: 4294967296 is not an integer in 0-4294967295',
      'backends[a].circuitBreakers.maxRetries: 1.5 is not an integer in 0-4294967295',
    ]);
    expect(validateIr({ backends: [{ ...backend('a'), circuitBreakers: { maxRetries: 0 } }], listeners: [] })).toEqual([]);
  });

  it('gives with a cache what it gives without, over a random sequence of IRs', () => {
    const rand = seededNumbers(11);
    const cache = new IrValidationCache();
    const names = Array.from({ length: 12 }, (_, i) => `b${i}`);
    let backends: Backend[] = names.slice(0, 6).map((n) => backend(n));
    let hosts: VirtualHost[] = Array.from({ length: 8 }, (_, i) => host(`h${i}`, [names[i % 12] as string, names[(i * 5) % 12] as string]));
    let listeners = [listener(8080, hosts), listener(9090, hosts.slice(0, 3))];
    for (let step = 0; step < 400; step++) {
      const ir: Ir = { backends, listeners };
      expect(validateIr(ir, cache)).toEqual(validateIr(ir));
      const op = Math.floor(rand() * 7);
      const i = Math.floor(rand() * 12);
      const name = names[i] as string;
      if (op === 0) backends = backends.filter((b) => b.name !== name);
      else if (op === 1) backends = [...backends, backend(name, rand() < 0.2)].sort((x, y) => (x.name < y.name ? -1 : 1));
      else if (op === 2 && backends.length > 0) backends = backends.map((b, j) => (j === i % backends.length ? backend(b.name, rand() < 0.5) : b));
      else if (op === 3) {
        hosts = hosts.map((h, j) => (j === i % hosts.length ? host(h.hostname, [name, names[(i + 3) % 12] as string]) : h));
        listeners = [listener(8080, hosts), listeners[1] as Listener];
      } else if (op === 4) listeners = [listeners[0] as Listener, listener(9090, hosts.slice(0, 1 + (i % 4)))];
      else if (hosts.length < 14) {
        hosts = [...hosts.slice(0, i % hosts.length), host(`h${i % 3}`, [name]), ...hosts.slice(i % hosts.length)]; // may repeat a hostname
        listeners = [listener(8080, hosts), listeners[1] as Listener];
      } else {
        hosts = hosts.slice(0, 8);
        listeners = [listener(8080, hosts), listeners[1] as Listener];
      }
    }
  });
});
