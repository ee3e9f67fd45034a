// Run in a child process by test/stanford-dogs.test.ts (node --max-old-space-size=...): extracts
// a plain tar with the app's reader and reports the process's peak memory, which must stay far
// below the archive's size however big the archive.
import { extractTar } from '../../src-main/core/datasets/tar.ts';

const [archive, dest] = process.argv.slice(2) as [string, string];
const files = await extractTar(archive, dest, () => true, {}, { gzip: false });
console.log(JSON.stringify({ files: files.length, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
