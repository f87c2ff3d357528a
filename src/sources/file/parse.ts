/**
 * parseResources(): one file's text (multi-document YAML, JSON, a `kind: List`) -> typed objects
 * with their origin (file, line of every field), and every problem as a value; syntax errors are
 * file-level problems. parseResourcesReusing() parses `---` documents one by one, reusing the
 * objects of documents unchanged since the last parse, with the same result. Never throws, no I/O.
 */
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { decodeObject, join } from '../../model/decode';
import type { AnyResource } from '../../model/resources';
import { FieldLines, type Problem } from '../../model/problems';

export interface ParseResult {
  readonly objects: readonly AnyResource[];
  readonly problems: readonly Problem[];
}

/** Documents of the previous parse of a file, by start line and content hash. */
export type DocumentCache = ReadonlyMap<string, ParseResult>;

/**
 * Field path tables shared by the objects of one shape (FieldLines), so that each object keeps
 * only its lines. Bounded: past `limit` shapes the oldest stop being shared (objects keep theirs).
 */
export class PathTables {
  private readonly tables = new Map<string, ReadonlyMap<string, number>>();

  constructor(private readonly limit = 4096) {}

  /** The table of these paths (slot = position), shared with earlier objects of the same paths. */
  of(paths: readonly string[]): ReadonlyMap<string, number> {
    const key = paths.join('\n');
    let table = this.tables.get(key);
    if (!table) {
      table = new Map(paths.map((p, i) => [p, i]));
      if (this.tables.size >= this.limit) this.tables.delete(this.tables.keys().next().value as string);
      this.tables.set(key, table);
    }
    return table;
  }
}

export function parseResources(text: string, file: string, tables = new PathTables()): ParseResult {
  return parseText(text, file, 0, tables);
}

/** Like parseResources(), reusing the documents of `previous` that did not change; returns the new cache too. */
export function parseResourcesReusing(text: string, file: string, previous: DocumentCache | undefined, tables = new PathTables()): ParseResult & { readonly cache: DocumentCache } {
  const chunks = splitDocuments(text);
  if (!chunks) return { ...parseResources(text, file, tables), cache: new Map() };
  const cache = new Map<string, ParseResult>();
  const objects: AnyResource[] = [];
  const problems: Problem[] = [];
  for (const c of chunks) {
    const key = `${c.line}:${createHash('sha1').update(c.text).digest('base64')}`;
    const result = previous?.get(key) ?? parseText(c.text, file, c.line - 1, tables);
    if (result.problems.some((p) => p.reason === 'SyntaxError' || p.reason === 'SyntaxWarning')) return { ...parseResources(text, file, tables), cache: new Map() };
    cache.set(key, result);
    objects.push(...result.objects);
    problems.push(...result.problems);
  }
  return { objects, problems, cache };
}

/**
 * The documents of a YAML stream split at its `---` lines (a `---` at the start of a line always
 * starts a document); undefined when the text has directives (`%`) or `...` end markers, whose
 * effect crosses documents.
 */
function splitDocuments(text: string): { readonly text: string; readonly line: number }[] | undefined {
  const marker = /^(?:---|\.\.\.|%)(?:[ \t\r\n]|$)|^%/gm;
  const starts: number[] = [0];
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (!m[0].startsWith('---')) return undefined;
    if (m.index > 0) starts.push(m.index);
  }
  const out: { text: string; line: number }[] = [];
  let line = 1;
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? text.length;
    const chunk = text.slice(start, end);
    out.push({ text: chunk, line });
    for (let j = chunk.indexOf('\n'); j >= 0; j = chunk.indexOf('\n', j + 1)) line++;
  });
  return out;
}

/** Parses `text`, numbering its lines from `lineBase + 1`. */
function parseText(text: string, file: string, lineBase: number, tables: PathTables): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const objects: AnyResource[] = [];
  const problems: Problem[] = [];
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line + lineBase;
  for (const doc of Array.isArray(docs) ? docs : []) {
    for (const e of doc.errors) problems.push(fileProblem('error', file, lineAt(e.pos[0]), 'SyntaxError', firstLine(e.message)));
    for (const w of doc.warnings) problems.push(fileProblem('warning', file, lineAt(w.pos[0]), 'SyntaxWarning', firstLine(w.message)));
    if (doc.errors.length > 0 || doc.contents === null) continue;
    for (const node of objectNodes(doc.contents as Node)) {
      const line = lineAt(node.range?.[0] ?? 0);
      const lines = new Map<string, number>();
      collectLines(node, '', lines, lineAt);
      const fieldLines = new FieldLines(tables.of([...lines.keys()]), [...lines.values()]);
      const result = decodeObject(node.toJSON(), { file, line, fieldLines });
      if (result.resource) objects.push(result.resource);
      problems.push(...result.problems);
    }
  }
  return { objects, problems };
}

/** The object nodes of one document: itself, the items of a `kind: List`, or of a top-level list. */
function objectNodes(node: Node): Node[] {
  if (isSeq(node)) return node.items.filter((n): n is Node => n !== null && typeof n === 'object');
  if (isMap(node)) {
    const kind = node.get('kind');
    const items = node.get('items', true);
    if (kind === 'List' && isSeq(items)) return items.items.filter((n): n is Node => n !== null && typeof n === 'object');
  }
  return [node];
}

function collectLines(node: unknown, path: string, out: Map<string, number>, lineAt: (offset: number) => number): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const childPath = join(path, String(pair.key.value), true);
      out.set(childPath, lineAt(pair.key.range?.[0] ?? 0));
      collectLines(pair.value, childPath, out, lineAt);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const childPath = `${path}[${i}]`;
      const range = (item as Node | null)?.range;
      if (range) out.set(childPath, lineAt(range[0]));
      collectLines(item, childPath, out, lineAt);
    });
  }
}

function fileProblem(severity: Problem['severity'], file: string, line: number, reason: string, message: string): Problem {
  return { severity, file, line, path: '', reason, message };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
