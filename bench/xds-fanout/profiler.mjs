// An in-process V8 CPU profiler (node:inspector) for the measured phase only, so a profile of the
// change fan-out is not drowned by start-up and convergence. Writes a .cpuprofile (open it in
// Chrome DevTools or summarise it with bench/lib/profile-summary.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

export async function startProfiler(samplingIntervalUs = 200) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return {
    /** Stops profiling and writes dir/name.cpuprofile; returns the file path. */
    async stop(dir, name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
