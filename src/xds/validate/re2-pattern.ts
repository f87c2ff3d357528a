/**
 * Turns an RE2 pattern (as written in PGV `pattern` rules) into a JS RegExp, best effort, and
 * caches the result. Translates (?P<name>, leading (?flags), \A, \z, \Q..\E, \pX and POSIX
 * classes; reports constructs JS cannot express (\C, inline flag groups mid-pattern).
 */

export type CompiledPattern = { readonly ok: true; readonly re: RegExp } | { readonly ok: false; readonly reason: string };

const cache = new Map<string, CompiledPattern>();

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

interface Translation {
  readonly source: string;
  readonly flags: string;
}

/** Leading `(?ims)` groups become RegExp flags. */
function takeLeadingFlags(pattern: string): { rest: string; flags: string } {
  let rest = pattern;
  let flags = '';
  for (let m = /^\(\?([imsU]+)\)/.exec(rest); m; m = /^\(\?([imsU]+)\)/.exec(rest)) {
    const group = m[1] as string;
    if (group.includes('U')) throw new Error('the U (ungreedy) flag has no JS equivalent');
    for (const f of group) if (!flags.includes(f)) flags += f;
    rest = rest.slice(m[0].length);
  }
  return { rest, flags };
}

function translateEscape(p: string, i: number, inClass: boolean): { text: string; next: number } {
  const c = p[i + 1];
  if (c === undefined) throw new Error('trailing backslash');
  if (c === 'A' && !inClass) return { text: '(?<![\\s\\S])', next: i + 2 };
  if (c === 'z' && !inClass) return { text: '(?![\\s\\S])', next: i + 2 };
  if (c === 'C') throw new Error('\\C (any byte) has no JS equivalent');
  if (c === 'Q') {
    const end = p.indexOf('\\E', i + 2);
    const literal = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
    return { text: escapeLiteral(literal), next: end < 0 ? p.length : end + 2 };
  }
  if ((c === 'p' || c === 'P') && p[i + 2] !== '{' && p[i + 2] !== undefined) {
    return { text: `\\${c}{${p[i + 2]}}`, next: i + 3 };
  }
  return { text: `\\${c}`, next: i + 2 };
}

function translate(pattern: string): Translation {
  const { rest: p, flags } = takeLeadingFlags(pattern);
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < p.length) {
    const ch = p[i] as string;
    if (ch === '\\') {
      const t = translateEscape(p, i, inClass);
      out += t.text;
      i = t.next;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
      if (posix) {
        const set = POSIX[posix[2] as string];
        if (set === undefined || posix[1] === '^') throw new Error(`POSIX class ${posix[0]} is not supported`);
        out += set;
        i += posix[0].length;
        continue;
      }
      if (ch === ']') inClass = false;
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      i += 1;
      if (p[i] === '^') { out += '^'; i += 1; }
      if (p[i] === ']') { out += '\\]'; i += 1; }
      continue;
    }
    if (p.startsWith('(?P<', i)) { out += '(?<'; i += 4; continue; }
    if (/^\(\?[imsU-]+[:)]/.test(p.slice(i))) throw new Error('inline flag groups inside the pattern are not supported');
    out += ch;
    i += 1;
  }
  return { source: out, flags };
}

/** Compiles (and caches) an RE2 pattern; `u` mode first so `.` matches code points as RE2 does. */
export function compileRe2(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let result: CompiledPattern;
  try {
    const t = translate(pattern);
    try {
      result = { ok: true, re: new RegExp(t.source, `${t.flags}u`) };
    } catch {
      result = { ok: true, re: new RegExp(t.source, t.flags) };
    }
  } catch (err) {
    result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  cache.set(pattern, result);
  return result;
}
