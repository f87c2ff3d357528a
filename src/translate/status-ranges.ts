/** Status code lists -> sorted, merged half-open ranges: [200, 302] -> [200,201) [302,303). */
import type { StatusRange } from '../ir/types';

export function toStatusRanges(codes: readonly number[]): StatusRange[] {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  const out: { start: number; end: number }[] = [];
  for (const code of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === code) last.end = code + 1;
    else out.push({ start: code, end: code + 1 });
  }
  return out;
}
