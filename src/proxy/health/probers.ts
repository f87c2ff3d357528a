/**
 * createProber: picks the real prober for a health check's protocol (HTTP, TCP, gRPC). Receives the
 * resolved settings and the injected Clock; emits a Prober. Tests pass their own Prober instead.
 */
import type { Clock } from '../../clock';
import { GrpcProber } from './grpc-prober';
import type { HealthCheckConfig } from './health-check-config';
import { HttpProber } from './http-prober';
import type { Prober } from './prober';
import { TcpProber } from './tcp-prober';

export type ProberFactory = (config: HealthCheckConfig) => Prober;

export function createProber(config: HealthCheckConfig, clock: Clock): Prober {
  const p = config.probe;
  const reuseConnection = config.reuseConnection;
  switch (p.type) {
    case 'http':
      return new HttpProber({ clock, probe: p, reuseConnection });
    case 'tcp':
      return new TcpProber({ clock, probe: p, reuseConnection });
    case 'grpc':
      return new GrpcProber({ clock, probe: p, reuseConnection });
  }
}

export function realProbers(clock: Clock): ProberFactory {
  return (config) => createProber(config, clock);
}
