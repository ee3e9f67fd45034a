// 2x2 mosaics of the ImageNet dev photos, for measuring where Grad-CAM puts a tile's class
// (test/grad-cam.test.ts, bench/grad-cam-localisation.ts). Each mosaic is four real photos,
// each centre-cropped to its 112x112 quadrant as the model's own crop would fit it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Classifier } from '../../src-main/core/classifier.ts';
import type { Heatmap } from '../../src-main/core/images/heatmap.ts';
import { imagenetDevDir } from './shared.ts';
import { mulberry32 } from '../../src-main/core/training/random.ts';

export interface Tile {
  file: string;
  /** The photo's ImageNet class: its true label, which the model also gives it as top-1 on its own. */
  index: number;
  group: string;
}

/**
 * Coarse groups of the ImageNet class index (its order follows WordNet, so each group is a run
 * of indices). Two tiles of one group (two dog breeds, two snakes) make "the tile's class"
 * ambiguous: the evidence for one breed is partly in the other dog, and Grad-CAM rightly shows it.
 */
const GROUPS: [first: number, last: number, name: string][] = [
  [0, 6, 'fish'],
  [7, 24, 'bird'],
  [25, 68, 'amphibian or reptile'],
  [69, 79, 'invertebrate'],
  [80, 100, 'bird'],
  [101, 106, 'mammal'],
  [107, 126, 'invertebrate'],
  [127, 146, 'bird'],
  [147, 150, 'mammal'],
  [151, 280, 'dog, wolf or fox'],
  [281, 293, 'cat'],
  [294, 299, 'mammal'],
  [300, 329, 'invertebrate'],
  [330, 388, 'mammal'],
  [389, 397, 'fish'],
  [398, 923, 'artefact'],
  [924, 969, 'food'],
  [970, 980, 'landscape'],
  [981, 983, 'person'],
  [984, 998, 'plant'],
  [999, 999, 'artefact'],
];

export function coarseGroup(index: number): string {
  const g = GROUPS.find(([first, last]) => index >= first && index <= last);
  if (!g) throw new Error(`No coarse group for ImageNet class ${index}.`);
  return g[2];
}

/** The dev photos whose top-1 on their own is their true label, in the order of labels.csv. */
export async function tilesRightAlone(classifier: Classifier): Promise<Tile[]> {
  const rows = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const right: Tile[] = [];
  for (const [file, index] of rows) {
    const [top] = await classifier.classify([await classifier.decode(path.join(imagenetDevDir, file!))], 1);
    if (top![0]!.index === Number(index)) right.push({ file: file!, index: Number(index), group: coarseGroup(Number(index)) });
  }
  return right;
}

/**
 * Mosaics of four tiles of four different coarse groups: the tiles shuffled once (seeded), then
 * each mosaic takes the first unused tiles whose groups differ from those already in it. Every
 * tile is used at most once; the tiles no full mosaic can take are left out.
 */
export function mosaicsOf(tiles: readonly Tile[], seed = 15): Tile[][] {
  const next = mulberry32(seed);
  const order = tiles
    .map((t) => ({ t, k: next() }))
    .sort((a, b) => a.k - b.k)
    .map((o) => o.t);
  const used = new Set<Tile>();
  const mosaics: Tile[][] = [];
  for (;;) {
    const mosaic: Tile[] = [];
    for (const t of order) {
      if (mosaic.length === 4) break;
      if (!used.has(t) && mosaic.every((m) => m.group !== t.group)) mosaic.push(t);
    }
    if (mosaic.length < 4) return mosaics;
    for (const t of mosaic) used.add(t);
    mosaics.push(mosaic);
  }
}

/** The 224x224 mosaic as a PNG: tile i in quadrant i (top-left, top-right, bottom-left, bottom-right). */
export async function mosaicPng(tiles: readonly Tile[]): Promise<Buffer> {
  const parts = await Promise.all(
    tiles.map((t) => sharp(path.join(imagenetDevDir, t.file)).rotate().resize(112, 112, { fit: 'cover' }).toColourspace('srgb').removeAlpha().png().toBuffer()),
  );
  return sharp({ create: { width: 224, height: 224, channels: 3, background: '#000' } })
    .composite(parts.map((input, i) => ({ input, left: (i % 2) * 112, top: Math.floor(i / 2) * 112 })))
    .png()
    .toBuffer();
}

/**
 * The share of the heatmap's mass in each quadrant (top-left, top-right, bottom-left,
 * bottom-right), each cell a uniform square of its value, split where a border crosses it.
 */
export function quadrantShares(h: Heatmap): number[] {
  const shares = [0, 0, 0, 0];
  const part = (i: number, n: number) => [Math.max(0, Math.min(1, n / 2 - i)), Math.max(0, Math.min(1, i + 1 - n / 2))];
  for (let y = 0; y < h.height; y++) {
    for (let x = 0; x < h.width; x++) {
      const [top, bottom] = part(y, h.height);
      const [left, right] = part(x, h.width);
      const v = h.values[y * h.width + x]!;
      shares[0] += v * top! * left!;
      shares[1] += v * top! * right!;
      shares[2] += v * bottom! * left!;
      shares[3] += v * bottom! * right!;
    }
  }
  const total = shares.reduce((s, v) => s + v, 0);
  return total > 0 ? shares.map((s) => s / total) : [0, 0, 0, 0];
}
