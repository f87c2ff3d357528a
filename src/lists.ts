/**
 * Small helpers over immutable lists that several stages share. Pure: no I/O, no state.
 */

/** Lengths of the longest common prefix and suffix (by identity) of two lists, not overlapping. */
export function commonEnds<T>(a: readonly T[], b: readonly T[]): { head: number; tail: number } {
  const n = Math.min(a.length, b.length);
  let head = 0;
  while (head < n && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < n - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { head, tail };
}
