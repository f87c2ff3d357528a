/** IP address syntax, shared by the translator (validation) and the xDS emitter (EDS vs DNS clusters). */
export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** IPv6 text form: up to 8 hex groups, at most one `::`, optionally ending in an IPv4 address. */
export function isIpv6(s: string): boolean {
  if (!s.includes(':') || s.split('::').length > 2) return false;
  let groups = s.split(':');
  const last = groups[groups.length - 1] as string;
  let width = 0;
  if (last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1);
    width = 2;
  }
  const filled = groups.filter((g) => g !== '');
  if (!filled.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const total = filled.length + width;
  return s.includes('::') ? total < 8 : total === 8 && groups.every((g) => g !== '');
}
