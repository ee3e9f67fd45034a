// Run in a child process by test/stanford-dogs.test.ts (node --max-old-space-size=...): extracts
// a plain tar with the app's reader and reports the process's peak memory, which must stay far
// below the archive's size however big the archive. Linux's VmHWM is this process's own peak
// (getrusage's maxRSS is not: it keeps the forking parent's across exec); elsewhere, sampled.
import { readFileSync } from 'node:fs';
import { extractTar } from '../../src-main/core/datasets/tar.ts';

function hwm(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const [archive, dest] = process.argv.slice(2) as [string, string];
let sampled = process.memoryUsage().rss;
const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 20);
const files = await extractTar(archive, dest, () => true, {}, { gzip: false });
clearInterval(timer);
console.log(JSON.stringify({ files: files.length, maxRssBytes: hwm() ?? Math.max(sampled, process.memoryUsage().rss) }));
