/**
 * EventLogFiles: opens the JSON-lines event log files Upstreams name (`eventLogPath`), one append
 * stream per path shared by every cluster that names it. Receives lines; writes them with `\n`.
 * Never throws on a write error: the error is logged once per path and the line is dropped.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../log';
import type { EventSink } from './event-log';

export class EventLogFiles {
  private readonly streams = new Map<string, fs.WriteStream>();

  constructor(private readonly logger: Logger) {}

  /** The sink for `path` (opened on first use, in append mode). */
  open(path: string): EventSink {
    return { write: (line) => this.stream(path).write(line + '\n') };
  }

  private stream(path: string): fs.WriteStream {
    let s = this.streams.get(path);
    if (!s) {
      s = fs.createWriteStream(path, { flags: 'a' });
      let reported = false;
      s.on('error', (err) => {
        if (!reported) this.logger.error('event log write failed', { path, err });
        reported = true;
      });
      this.streams.set(path, s);
    }
    return s;
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    const all = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(all.map((s) => new Promise<void>((r) => s.end(() => r()))));
  }
}
