// Helpers for end-to-end tests of the Dataset panel: a fake webcam playing real photos, drops
// of real files made in the page, and real photos of the ImageNet dev set picked by class.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { imagenetDevDir } from '../helpers/shared.ts';
import type { Studio } from './harness.ts';

const labels = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));
const inRange = (i: number, ranges: [number, number][]) => ranges.some(([a, b]) => i >= a && i <= b);
export const photos = (ranges: [number, number][]) => labels.filter(([, i]) => inRange(Number(i), ranges)).map(([f]) => path.join(imagenetDevDir, f!));
export const dogs = photos([[151, 268]]);
export const birds = photos([
  [7, 24],
  [80, 100],
  [127, 146],
]);

/** Chromium's flags for a fake camera playing `y4mFile`, allowed without asking. */
export const fakeCameraArgs = (y4mFile: string) => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4mFile}`];

/** A .y4m of real photos, 224x224 I420 at 5 frames a second, each photo held for `hold` frames. */
export async function y4m(files: string[], file: string, hold = 2): Promise<void> {
  const W = 224;
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${W} H${W} F5:1 Ip A1:1 C420jpeg\n`)];
  for (const f of files) {
    const rgb = await sharp(f).resize(W, W, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    const y = Buffer.alloc(W * W);
    const u = Buffer.alloc((W / 2) ** 2);
    const v = Buffer.alloc((W / 2) ** 2);
    for (let i = 0; i < W * W; i++) y[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
    for (let r = 0; r < W / 2; r++) {
      for (let c = 0; c < W / 2; c++) {
        let R = 0,
          G = 0,
          B = 0;
        for (const [dr, dc] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          const k = 3 * ((2 * r + dr!) * W + 2 * c + dc!);
          R += rgb[k]! / 4;
          G += rgb[k + 1]! / 4;
          B += rgb[k + 2]! / 4;
        }
        u[r * (W / 2) + c] = 128 - 0.168736 * R - 0.331264 * G + 0.5 * B;
        v[r * (W / 2) + c] = 128 + 0.5 * R - 0.418688 * G - 0.081312 * B;
      }
    }
    for (let k = 0; k < hold; k++) parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  await writeFile(file, Buffer.concat(parts));
}

/** Drops files on an element the way a file manager does: a DataTransfer of File objects made in the page. */
export async function drop(page: Studio['page'], testId: string, files: { name: string; bytes: Buffer; type: string }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') }));
  await page.getByTestId(testId).evaluate((el, items) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { items: { add(f: unknown): void } };
      File: new (b: unknown[], n: string, o: object) => unknown;
      DragEvent: new (t: string, o: object) => unknown;
      atob(s: string): string;
    };
    const dt = new g.DataTransfer();
    for (const i of items) dt.items.add(new g.File([Uint8Array.from(g.atob(i.b64), (c) => c.charCodeAt(0))], i.name, { type: i.type }));
    (el as unknown as { dispatchEvent(e: unknown): void }).dispatchEvent(new g.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}
export const jpegs = async (files: string[]) => Promise.all(files.map(async (f) => ({ name: path.basename(f), bytes: await readFile(f), type: 'image/jpeg' })));
export const classCount = (page: Studio['page'], cls: string) => page.getByTestId(`class-${cls}`).locator('.pill').textContent().then(Number);
