// The CLI's "see inside the CNN": Grad-CAM overlays written for `predict --explain-dir`, and the
// `summary` command (the Keras-style table of a model's layers).
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { MAX_IMAGE_FILE_BYTES, readRegularFile } from '../core/bounded-read.ts';
import { initBackend } from '../core/backend.ts';
import { overlayPng, type Heatmap } from '../core/images/heatmap.ts';
import { summarize, summaryText } from '../core/models/summary.ts';
import { loadArchitecture } from '../core/zoo/architecture.ts';
import type { ImageInput } from '../service/recognition.ts';
import { storageOf, withStorage, type StorageOptions } from './options.ts';

const safe = (s: string) =>
  s
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '')
    .slice(0, 80) || 'class';

/**
 * Writes the photo with its heatmap over it into `dir` as `<photo>-gradcam-<label>.png`. An
 * existing file is kept: the next free name (`-2`, `-3`, ...) is taken instead, created
 * exclusively so that two runs never write the same file; `overwrite` replaces it.
 */
export async function writeOverlay(dir: string, image: ImageInput, label: string, heatmap: Heatmap, overwrite = false): Promise<string> {
  const name = typeof image === 'string' ? path.basename(image) : image.name;
  const photo = typeof image === 'string' ? await readRegularFile(image, MAX_IMAGE_FILE_BYTES, 'image file') : Buffer.from(image.data);
  const png = await overlayPng(photo, heatmap);
  await mkdir(dir, { recursive: true });
  const stem = `${safe(path.parse(name).name)}-gradcam-${safe(label)}`;
  if (overwrite) {
    const file = path.join(dir, `${stem}.png`);
    await writeFile(file, png);
    return file;
  }
  for (let n = 1; n <= 1000; n++) {
    const file = path.join(dir, n === 1 ? `${stem}.png` : `${stem}-${n}.png`);
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(png);
      } finally {
        await handle.close();
      }
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`${path.join(dir, `${stem}.png`)} and 999 numbered names after it exist already: nothing was written (--overwrite replaces the first).`);
}

export function registerSummary(program: Command): void {
  withStorage(
    program
      .command('summary')
      .description("a model's layers, output shapes and parameter counts, as Keras's model.summary() prints them (zoo models as published, batch norms included)")
      .argument('<model>', "a classic network (lenet5, fashion-cnn, cifar-cnn, mnist-cnn), a zoo model, a trained model's name, or a path")
      .option('--json', 'as JSON'),
  ).action(async (model: string, opts: StorageOptions & { json?: boolean }) => {
    await initBackend(opts.backend);
    const net = await loadArchitecture(model, { ...storageOf(opts), offline: opts.offline });
    try {
      const s = summarize(net);
      console.log(opts.json ? JSON.stringify({ ...s, nonTrainableParams: s.totalParams - s.trainableParams }) : summaryText(s));
    } finally {
      net.dispose();
    }
  });
}
