/**
 * loadInputs(): the files and folders given to `translate` and `validate` (-f PATH...) read once
 * into objects and problems. A folder contributes its .yaml/.yml/.json files (recursively, the
 * same files the folder source serves); a file named explicitly is read whatever its extension.
 * Never throws for unreadable paths: they become problems.
 */
import fs from 'node:fs';
import type { Problem } from '../model/problems';
import type { AnyResource } from '../model/resources';
import { listResourceFiles, MAX_FILE_BYTES } from '../sources/file/source';
import { parseResources } from '../sources/file/parse';

export interface LoadedInputs {
  readonly objects: readonly AnyResource[];
  readonly problems: readonly Problem[];
  /** Files read, in order. */
  readonly files: readonly string[];
}

export async function loadInputs(paths: readonly string[]): Promise<LoadedInputs> {
  const objects: AnyResource[] = [];
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    let list: string[];
    try {
      const stat = await fs.promises.stat(p);
      list = stat.isDirectory() ? await listResourceFiles(p) : [p];
    } catch (err) {
      problems.push(readError(p, (err as Error).message));
      continue;
    }
    for (const file of list) {
      if (files.includes(file)) continue;
      files.push(file);
      const text = await readText(file, problems);
      if (text === undefined) continue;
      const parsed = parseResources(text, file);
      objects.push(...parsed.objects);
      problems.push(...parsed.problems);
    }
  }
  return { objects, problems, files };
}

async function readText(file: string, problems: Problem[]): Promise<string | undefined> {
  try {
    const stat = await fs.promises.stat(file);
    if (stat.size > MAX_FILE_BYTES) {
      problems.push(readError(file, `${stat.size} bytes is more than the ${MAX_FILE_BYTES} allowed`));
      return undefined;
    }
    return await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    problems.push(readError(file, (err as Error).message));
    return undefined;
  }
}

function readError(file: string, message: string): Problem {
  return { severity: 'error', file, path: '', reason: 'ReadError', message: `cannot read: ${message}` };
}
