import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ERROR_CODES, HpError, SnapshotError } from './errors';

const DOC = path.join(__dirname, '../docs/errors.md');

interface DocSection {
  readonly code: string;
  readonly meaning: string;
  readonly action: string;
}

/** The "## HP_..." sections of docs/errors.md with their Meaning and What-to-do paragraphs. */
function docSections(markdown: string): DocSection[] {
  const parts = markdown.split(/^## /m).slice(1);
  return parts.map((part) => {
    const [heading = '', ...body] = part.split('\n');
    const text = body.join('\n');
    const field = (label: string): string => {
      const m = new RegExp(`\\*\\*${label}:\\*\\*([\\s\\S]*?)(?=\\n\\*\\*|$)`).exec(text);
      return (m?.[1] ?? '').trim();
    };
    return { code: heading.trim(), meaning: field('Meaning'), action: field('What to do') };
  });
}

/** The members of the ErrorCode union, read from the source so the array cannot drift from it. */
function unionMembers(): string[] {
  const src = fs.readFileSync(path.join(__dirname, 'errors.ts'), 'utf8');
  const union = /export type ErrorCode =([\s\S]*?);/.exec(src)?.[1] ?? '';
  return [...union.matchAll(/'(HP_[A-Z_]+)'/g)].map((m) => m[1] as string);
}

describe('error codes', () => {
  const sections = docSections(fs.readFileSync(DOC, 'utf8'));

  it('ERROR_CODES lists exactly the members of the ErrorCode union', () => {
    expect([...ERROR_CODES].sort()).toEqual(unionMembers().sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('every code has a section in docs/errors.md', () => {
    const documented = new Set(sections.map((s) => s.code));
    expect(ERROR_CODES.filter((c) => !documented.has(c))).toEqual([]);
  });

  it('docs/errors.md documents no stale or duplicated code', () => {
    const known = new Set<string>(ERROR_CODES);
    expect(sections.map((s) => s.code).filter((c) => !known.has(c))).toEqual([]);
    expect(new Set(sections.map((s) => s.code)).size).toBe(sections.length);
  });

  it.each(ERROR_CODES.map((c) => [c]))('%s says what it means and what to do', (code) => {
    const s = sections.find((x) => x.code === code);
    expect(s?.meaning.length ?? 0).toBeGreaterThan(40);
    expect(s?.action.length ?? 0).toBeGreaterThan(20);
  });

  it('errors carry their codes and messages', () => {
    const c = new ConfigError(['--a: bad', '--b: worse']);
    expect(c).toBeInstanceOf(HpError);
    expect(c.code).toBe('HP_CONFIG_INVALID');
    expect(c.message).toBe('invalid options:\n  --a: bad\n  --b: worse');
    expect(c.name).toBe('ConfigError');
    const s = new SnapshotError('HP_SNAPSHOT_INCONSISTENT', ['x references y']);
    expect(s.message).toBe('inconsistent snapshot: x references y');
  });
});
