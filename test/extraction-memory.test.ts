// Scale (issue 16): transfer feature extraction holds memory flat however many photos it runs
// over. bench/extraction-memory.ts measures 50,000 CIFAR-10 photos (BENCHMARKS.md); this runs
// three passes of a few real photos in a child process with gc exposed, and fails if a pass
// leaves tensors behind or if the heap, the buffers outside it or the RSS grow from pass to pass.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, repoRoot, sharedDir } from './helpers/shared.ts';

if (!hasShared) console.warn('extraction-memory tests skipped: ../shared (MobileNet, CIFAR-10) is absent.');

interface Sample {
  pass: number;
  computed: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  numTensors: number;
  numBytes: number;
}

const PHOTOS = 64;
const MB = 1024 * 1024;

function runChild(): Promise<Sample[]> {
  const args = ['--expose-gc', path.join(repoRoot, 'bin/run-ts.js'), path.join(repoRoot, 'test/helpers/extraction-memory-child.ts'), sharedDir, String(PHOTOS), '3'];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: repoRoot, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample[]),
    ),
  );
}

describe.skipIf(!hasShared)('feature extraction memory', () => {
  it(`3 passes of ${PHOTOS} CIFAR-10 photos: tensors back to the start, heap, buffers and RSS flat after the first pass`, async () => {
    const samples = await runChild();
    console.log(
      samples
        .map(
          (s) =>
            `pass ${s.pass}: ${s.numTensors} tensors, rss ${(s.rss / MB).toFixed(1)} MB, heap ${(s.heapUsed / MB).toFixed(2)} MB, external ${(s.external / MB).toFixed(2)} MB, arrayBuffers ${(s.arrayBuffers / MB).toFixed(2)} MB`,
        )
        .join('\n'),
    );
    expect(samples.map((s) => s.computed)).toEqual([0, PHOTOS, PHOTOS, PHOTOS]);
    // The backbone's weights and nothing more after every pass.
    const [start, ...passes] = samples;
    expect(start!.numTensors).toBeGreaterThan(50);
    for (const s of passes) {
      expect(s.numTensors).toBe(start!.numTensors);
      expect(s.numBytes).toBe(start!.numBytes);
    }
    // Pass 1 warms up (wasm memory, sharp's caches, compiled code); from pass 2 to 3 nothing a
    // photo leaves behind may add up: one decoded 224x224 photo is 147 KB, its input tensor 588 KB,
    // so a leak of either per photo is over 9 MB in 64 photos.
    const [, , second, third] = samples;
    expect(third!.heapUsed - second!.heapUsed).toBeLessThan(2 * MB);
    expect(third!.external - second!.external).toBeLessThan(2 * MB);
    expect(third!.arrayBuffers - second!.arrayBuffers).toBeLessThan(2 * MB);
    // RSS moves by up to 20 MB either way between passes with nothing leaking (the allocator's
    // arenas, the other threads): a loose bound, for native leaks of over 375 KB a photo.
    expect(third!.rss - second!.rss).toBeLessThan(24 * MB);
  });
});
