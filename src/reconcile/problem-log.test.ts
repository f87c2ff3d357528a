import type { LogFields, Logger } from '../log';
import type { Problem } from '../model/problems';
import { ProblemLog } from './problem-log';
import { seededNumbers } from '../../test/fakes/fake-clock';

function recorder(lines: string[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push(`${level} ${msg}${fields?.count !== undefined ? ` ${String(fields.count)}` : ''}`);
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger, traceEnabled: () => false };
  return logger;
}

/** The original rule: log every problem whose content the previous list did not have; count those gone. */
function referenceLines(previous: readonly Problem[], next: readonly Problem[]): string[] {
  const sig = (p: Problem): string => JSON.stringify([p.severity, p.ref, p.file, p.line, p.path, p.reason, p.message]);
  const before = new Set(previous.map(sig));
  const now = new Set(next.map(sig));
  const lines = next.filter((p) => !before.has(sig(p))).map((p) => `${p.severity === 'error' ? 'error' : 'warn'} ${p.message}`);
  const resolved = [...before].filter((s) => !now.has(s)).length;
  return resolved > 0 ? [...lines, `info problems resolved ${resolved}`] : lines;
}

const problem = (i: number, severity: Problem['severity'] = 'warning'): Problem => ({ severity, ref: { kind: 'Upstream', namespace: 'ns', name: `u${i % 7}` }, path: `spec.f${i % 3}`, reason: 'R', message: `message ${i}` });

describe('ProblemLog', () => {
  it('logs what the whole-list rule logs, over random lists (new objects of equal content included)', () => {
    const rand = seededNumbers(5);
    const lines: string[] = [];
    const log = new ProblemLog(recorder(lines));
    let previous: Problem[] = [];
    let list: Problem[] = Array.from({ length: 10 }, (_, i) => problem(i));
    for (let step = 0; step < 300; step++) {
      lines.length = 0;
      log.update(list);
      expect(lines).toEqual(referenceLines(previous, list));
      previous = list;
      const i = Math.floor(rand() * (list.length + 1));
      const op = rand();
      if (op < 0.3) list = list.filter((_, j) => j !== i);
      else if (op < 0.6) list = [...list.slice(0, i), problem(Math.floor(rand() * 20), rand() < 0.3 ? 'error' : 'warning'), ...list.slice(i)];
      else if (op < 0.8) list = list.map((p) => ({ ...p })); // the same problems as new objects: nothing to log
      else list = list.map((p, j) => (j === i ? problem(Math.floor(rand() * 20)) : p));
    }
  });
});
