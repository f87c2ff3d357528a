/**
 * Small builders for proto-loader input values (keepCase): Durations as {seconds, nanos},
 * wrapper types as {value}, header options. Pure; shared by the per-type emitters.
 */
import type { Duration } from '../generated/google/protobuf/Duration';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption';

/** Milliseconds (fractions keep nanosecond precision) -> google.protobuf.Duration. */
export function duration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos === 0 ? { seconds } : { seconds, nanos };
}

export function u32(value: number): { value: number } {
  return { value };
}

/** A header to add: `append` true adds a value, false replaces any existing one. */
export function headerOption(name: string, value: string, append: boolean): HeaderValueOption {
  return { header: { key: name, value }, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

export function byName<T extends { name?: string; cluster_name?: string }>(list: T[]): T[] {
  const key = (x: T): string => x.name ?? x.cluster_name ?? '';
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) sorted = key(list[i - 1] as T) <= key(list[i] as T);
  return sorted ? list : list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The ADS config source every dynamic resource of ours uses. */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;
