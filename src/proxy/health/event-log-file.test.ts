import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../log';
import { EventLogFiles } from './event-log-file';

describe('EventLogFiles', () => {
  it('appends one line per event, sharing the file between sinks of the same path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-events-'));
    const file = path.join(dir, 'events.log');
    fs.writeFileSync(file, 'old\n');
    const files = new EventLogFiles(silentLogger);
    files.open(file).write('{"a":1}');
    files.open(file).write('{"b":2}');
    await files.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n{"a":1}\n{"b":2}\n');
    fs.rmSync(dir, { recursive: true });
  });
});
