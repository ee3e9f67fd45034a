// CPU time of each thread of this process (Linux only: /proc/self/task), to tell the main thread,
// the wasm pool's worker, libuv's pool (sharp, files), V8's helpers (garbage collection) and
// libvips's workers apart. Elsewhere it reports nothing.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Milliseconds of CPU (user + system) by "tid:name". */
export function threadCpu(): Map<string, number> {
  const byThread = new Map<string, number>();
  if (os.platform() !== 'linux') return byThread;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
      byThread.set(`${tid}:${name}`, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byThread;
}

/** Each thread's CPU between two readings, per `per` (photos), busiest first; idle threads left out. */
export function threadCpuReport(before: Map<string, number>, after: Map<string, number>, per: number): string {
  return [...after]
    .map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / per] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([k, ms]) => `${k}=${ms.toFixed(2)}`)
    .join(' ');
}
