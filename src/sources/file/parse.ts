/**
 * parseResources(): the text of one file (multi-document YAML, JSON, or a `kind: List`) -> typed
 * objects of every supported kind, each with its origin (file, line of every field), and every
 * problem as a value. Never throws and does no I/O; the folder watcher reads files and calls this.
 * Syntax errors are file-level problems (no ref, reason `SyntaxError`); other documents still load.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { decodeObject, join } from '../../model/decode';
import type { AnyResource } from '../../model/resources';
import type { Problem } from '../../model/problems';

export interface ParseResult {
  readonly objects: readonly AnyResource[];
  readonly problems: readonly Problem[];
}

export function parseResources(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const objects: AnyResource[] = [];
  const problems: Problem[] = [];
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  for (const doc of Array.isArray(docs) ? docs : []) {
    for (const e of doc.errors) problems.push(fileProblem('error', file, lineAt(e.pos[0]), 'SyntaxError', firstLine(e.message)));
    for (const w of doc.warnings) problems.push(fileProblem('warning', file, lineAt(w.pos[0]), 'SyntaxWarning', firstLine(w.message)));
    if (doc.errors.length > 0 || doc.contents === null) continue;
    for (const node of objectNodes(doc.contents as Node)) {
      const line = lineAt(node.range?.[0] ?? 0);
      const fieldLines = new Map<string, number>();
      collectLines(node, '', fieldLines, lineAt);
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
