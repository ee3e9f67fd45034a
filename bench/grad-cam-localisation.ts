// Where Grad-CAM puts a tile's class on 2x2 mosaics of the ImageNet dev photos (issue 15), per
// variant: the layer, the class score differentiated, and how gradients weight the maps.
//   node bin/run-ts.js bench/grad-cam-localisation.ts [--variants all|default]
// For each tile: its quadrant's share of the heatmap's mass, measured on the grid (each cell a
// uniform square) and on the grid stretched bilinearly to 224x224 as the overlay draws it.
// "plurality": more than any other quadrant; "majority": more than half of the mass.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { explainClasses } from '../src-main/core/explain.ts';
import type { Heatmap } from '../src-main/core/images/heatmap.ts';
import type { GradCamOptions } from '../src-main/core/models/grad-cam.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { mosaicPng, mosaicsOf, quadrantShares, tilesRightAlone, type Tile } from '../test/helpers/mosaics.ts';
import { mirrorDir, tempDir } from '../test/helpers/shared.ts';

/** The heatmap stretched to n x n pixels, bilinear with cell centres at i + 0.5 (edges held), as one cell per pixel. */
function bilinear(h: Heatmap, n = 224): Heatmap {
  const values: number[] = [];
  for (let py = 0; py < n; py++) {
    for (let px = 0; px < n; px++) {
      const x = Math.min(Math.max(((px + 0.5) * h.width) / n - 0.5, 0), h.width - 1);
      const y = Math.min(Math.max(((py + 0.5) * h.height) / n - 0.5, 0), h.height - 1);
      const [x0, y0] = [Math.floor(x), Math.floor(y)];
      const [x1, y1] = [Math.min(x0 + 1, h.width - 1), Math.min(y0 + 1, h.height - 1)];
      const [fx, fy] = [x - x0, y - y0];
      const v = (cx: number, cy: number) => h.values[cy * h.width + cx]!;
      values.push((v(x0, y0) * (1 - fx) + v(x1, y0) * fx) * (1 - fy) + (v(x0, y1) * (1 - fx) + v(x1, y1) * fx) * fy);
    }
  }
  return { width: n, height: n, values };
}

const args = process.argv.slice(2);
const all = args[args.indexOf('--variants') + 1] !== 'default';
const pick = <T>(name: string, values: readonly T[]): readonly T[] => (args.includes(name) ? (args[args.indexOf(name) + 1]!.split(',') as T[]) : values);
const layers = all ? pick('--layers', ['conv_pw_13', 'conv_pw_11']) : [undefined];
const scores = all ? pick('--scores', ['logit', 'log-softmax', 'contrast'] as const) : [undefined];
const methods = all ? pick('--methods', ['grad-cam', 'grad-cam++', 'layer-cam'] as const) : [undefined];

await initBackend();
const { classifier } = await loadModel('mobilenet', { mirrorDir, cacheDir: await tempDir(), offline: true });
const tiles = await tilesRightAlone(classifier);
const constructions: [string, Tile[][]][] = [
  ['distinct groups', mosaicsOf(tiles)],
  ['first 80 in order', Array.from({ length: 20 }, (_, m) => tiles.slice(4 * m, 4 * m + 4))],
];
console.log(`${tiles.length} of the 200 dev photos are MobileNet's top-1 on their own; backend ${tf.getBackend()}`);
console.log('| mosaics | layer | score | method | plurality (grid) | majority (grid) | majority (bilinear 224) | mean share |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, mosaics] of constructions) {
  const decoded = await Promise.all(mosaics.map(async (m, i) => classifier.decode(await mosaicPng(m), `mosaic ${i}`)));
  for (const layer of layers) {
    for (const score of scores) {
      for (const method of methods) {
        const opts: GradCamOptions = { ...(layer ? { layer } : {}), ...(score ? { score } : {}), ...(method ? { method } : {}) };
        let [cases, plurality, majority, smooth, sum] = [0, 0, 0, 0, 0];
        let used = '';
        for (const [i, m] of mosaics.entries()) {
          const r = await explainClasses(
            classifier,
            decoded[i]!,
            m.map((t) => t.index),
            opts,
          );
          used = r.layer;
          r.heatmaps.forEach((h, q) => {
            const shares = quadrantShares(h);
            cases++;
            sum += shares[q]!;
            if (shares.every((s, k) => k === q || s < shares[q]!)) plurality++;
            if (shares[q]! > 0.5) majority++;
            if (quadrantShares(bilinear(h))[q]! > 0.5) smooth++;
          });
        }
        const pc = (n: number) => `${n}/${cases} (${((100 * n) / cases).toFixed(1)}%)`;
        console.log(
          `| ${name} (${mosaics.length}) | ${used} | ${score ?? 'default'} | ${method ?? 'default'} | ${pc(plurality)} | ${pc(majority)} | ${pc(smooth)} | ${(sum / cases).toFixed(3)} |`,
        );
      }
    }
  }
}
classifier.dispose();
