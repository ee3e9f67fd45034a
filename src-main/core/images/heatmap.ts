// A Grad-CAM grid (over the model's input) laid over the photo as the user gave it. A squashed
// photo (resized straight to the input) is the whole input, so the grid
// covers the whole photo as it is. A centre crop saw only the middle: the grid is placed over
// that part, and the rest of the photo, which the model never saw, is 0.
import sharp from 'sharp';
import { jet } from '../../shared/jet.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';

export interface Heatmap {
  /** Cells across and down; the heatmap covers the whole photo (stretched to its size to draw it). */
  width: number;
  height: number;
  /** Row-major, top-left first, in [0, 1] with 1 at the maximum (all 0 when nothing speaks for the class). */
  values: number[];
}

export interface Placement {
  fit: PhotoFit;
  /** The photo upright (EXIF orientation applied), as decoded. */
  original: { width: number; height: number };
  /** The model's input. */
  input: { width: number; height: number };
}

/** The part of the photo the model saw, in the photo's pixels: all of it, or the centre crop. */
export function seenRegion(p: Placement): { left: number; top: number; width: number; height: number } {
  const { width: w0, height: h0 } = p.original;
  if (p.fit !== 'crop') return { left: 0, top: 0, width: w0, height: h0 };
  // sharp's fit 'cover': scaled until both sides cover the input, then the centre cut out.
  const scale = Math.max(p.input.width / w0, p.input.height / h0);
  const width = Math.min(w0, p.input.width / scale);
  const height = Math.min(h0, p.input.height / scale);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { left: r((w0 - width) / 2), top: r((h0 - height) / 2), width: r(width), height: r(height) };
}

/** The grid value at fractional cell coordinates (cell centres at i + 0.5), bilinear, edges held. */
function sample(grid: { width: number; height: number; values: ArrayLike<number> }, gx: number, gy: number): number {
  const x = Math.min(Math.max(gx - 0.5, 0), grid.width - 1);
  const y = Math.min(Math.max(gy - 0.5, 0), grid.height - 1);
  const [x0, y0] = [Math.floor(x), Math.floor(y)];
  const [x1, y1] = [Math.min(x0 + 1, grid.width - 1), Math.min(y0 + 1, grid.height - 1)];
  const [fx, fy] = [x - x0, y - y0];
  const v = (cx: number, cy: number) => grid.values[cy * grid.width + cx]!;
  return (v(x0, y0) * (1 - fx) + v(x1, y0) * fx) * (1 - fy) + (v(x0, y1) * (1 - fx) + v(x1, y1) * fx) * fy;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The grid over the whole photo. Squashed: the grid itself. Cropped: cells of the same size in
 * the photo's pixels, over all of it; those in the crop are sampled from the grid, the others
 * are 0; scaled again so that the maximum is 1.
 */
export function heatmapOverPhoto(grid: { width: number; height: number; values: ArrayLike<number> }, p: Placement): Heatmap {
  if (p.fit !== 'crop') return { width: grid.width, height: grid.height, values: Array.from(grid.values, round6) };
  const seen = seenRegion(p);
  const [cellW, cellH] = [seen.width / grid.width, seen.height / grid.height];
  const width = Math.max(grid.width, Math.round(p.original.width / cellW));
  const height = Math.max(grid.height, Math.round(p.original.height / cellH));
  const values = new Array<number>(width * height).fill(0);
  for (let i = 0; i < height; i++) {
    const v = ((i + 0.5) * p.original.height) / height;
    if (v < seen.top || v > seen.top + seen.height) continue;
    for (let j = 0; j < width; j++) {
      const u = ((j + 0.5) * p.original.width) / width;
      if (u < seen.left || u > seen.left + seen.width) continue;
      values[i * width + j] = sample(grid, ((u - seen.left) / seen.width) * grid.width, ((v - seen.top) / seen.height) * grid.height);
    }
  }
  const max = Math.max(...values);
  return { width, height, values: values.map((x) => round6(max > 0 ? x / max : 0)) };
}

/**
 * The photo (upright, at most `maxSide` pixels on a side) with the heatmap in colour laid over
 * it, as a PNG: cold blue where nothing speaks for the class, red where most does.
 */
export async function overlayPng(photo: Buffer, heatmap: Heatmap, opts: { maxSide?: number; opacity?: number } = {}): Promise<Buffer> {
  const opacity = opts.opacity ?? 0.45;
  const { data: rgb, info } = await sharp(photo, { failOn: 'error', pages: 1 })
    .rotate()
    .resize({ width: opts.maxSide ?? 1024, height: opts.maxSide ?? 1024, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // The heatmap grid, smoothly stretched to the photo (as the paper draws it).
  const levels = Buffer.from(heatmap.values.map((v) => Math.round(255 * v)));
  const heat = await sharp(levels, { raw: { width: heatmap.width, height: heatmap.height, channels: 1 } })
    .resize(info.width, info.height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0) // sharp hands a one-band raw image back as sRGB otherwise
    .raw()
    .toBuffer();
  const out = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) {
    const colour = jet(heat[i]! / 255);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round((1 - opacity) * rgb[i * info.channels + c]! + opacity * colour[c]!);
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** An 8-bit grey or RGB image (what the model was given) as a PNG, optionally enlarged with crisp pixels. */
export async function pixelsPng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, scale = 1): Promise<Buffer> {
  const img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  const sized = scale > 1 ? img.resize({ width: width * scale, height: height * scale, kernel: 'nearest' }) : img;
  // Without 'b-w', sharp writes a one-band image as RGB.
  return (channels === 1 ? sized.toColourspace('b-w') : sized).png().toBuffer();
}
