// "See inside the CNN" through the service and the CLI: heatmaps over the whole photo (a centre
// crop mapped back), what the model sees, honest warnings, predict --explain / --explain-dir.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { NETWORKS } from '../src-main/core/models/classic.ts';
import { layersModelFiles } from '../src-main/core/models/layers-io.ts';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { CodedError } from '../src-main/shared/errors.ts';
import { WARNING_CODES } from '../src-main/shared/recognize-warnings.ts';
import en from '../src-renderer/src/locales/en.ts';
import ko from '../src-renderer/src/locales/ko.ts';
import { jsonLines, runCli } from './helpers/cli.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

const photo = (name: string) => path.join(imagenetDevDir, name);
const ELEPHANT = photo('n02504013_Indian_elephant.JPEG'); // 500x333
const TENCH = photo('n01440764_tench.JPEG');
const HUSKY = photo('n02110185_Siberian_husky.JPEG');
const AIRSHIP = photo('n02692877_airship.JPEG'); // a greyscale JPEG
const LORIKEET = photo('n01820546_lorikeet.JPEG'); // a very colourful one

function expectHeatmap(h: { width: number; height: number; values: number[] } | undefined, width: number, height: number): void {
  expect(h).toBeDefined();
  expect([h!.width, h!.height]).toEqual([width, height]);
  expect(h!.values).toHaveLength(width * height);
  for (const v of h!.values) expect(v >= 0 && v <= 1).toBe(true);
  expect(Math.max(...h!.values)).toBe(1);
}

let svc: RecognitionService;
let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await tempDir();
  svc = new RecognitionService({ mirrorDir, cacheDir: path.join(dir, 'cache'), offline: true, fetch: noNetwork });
});
afterAll(() => svc?.dispose());

describe('the explain service', () => {
  it('gives the heatmap of any class over the whole photo, and the exact picture MobileNet was given', async () => {
    const top = await svc.explain({ image: ELEPHANT, model: 'mobilenet' });
    expect(top.prediction).toMatchObject({ index: 385, label: 'Indian_elephant' });
    expect(top.layer).toBe('conv_pw_13');
    // Centre-cropped (MobileNet's fit): the 7x7 grid lies over the middle 333x333 of the 500x333
    // photo, and cells of its size cover the rest: 11 across.
    expectHeatmap(top.heatmap, 11, 7);
    expect(top.seen).toEqual({ left: 83.5, top: 0, width: 333, height: 333 });
    const png = await sharp(top.input.png).metadata();
    expect([png.format, png.width, png.height, top.input.channels]).toEqual(['png', 224, 224, 3]);
    const other = await svc.explain({ image: ELEPHANT, model: 'mobilenet', classIndex: 1 });
    expect(other.prediction.index).toBe(1);
    expect(other.heatmap.values).not.toEqual(top.heatmap.values);
    await expect(svc.explain({ image: ELEPHANT, model: 'mobilenet', classIndex: 1000 })).rejects.toThrow(/Class 1000 is not one of the classes of mobilenet \(0 to 999\)/);
  });

  it('takes a layer by name; one Grad-CAM cannot use is a coded error, in English and Korean, that lists those it can', async () => {
    const deeper = await svc.explain({ image: ELEPHANT, model: 'mobilenet', layer: 'conv_pw_11' });
    expect(deeper.layer).toBe('conv_pw_11');
    expectHeatmap(deeper.heatmap, 21, 14); // the 14x14 grid over the 333x333 crop, cells of its size across the 500x333 photo
    const refused = async (layer: string) => {
      const err = (await svc.explain({ image: ELEPHANT, model: 'mobilenet', layer }).catch((e: unknown) => e)) as CodedError;
      expect(err).toBeInstanceOf(CodedError);
      const candidates = String(err.params.candidates).split(', ');
      // MobileNet's 27 convolutions with a picture for output (conv_preds works on 1x1): all listed, the default last.
      expect(candidates).toHaveLength(27);
      expect([candidates[0], candidates.at(-1)]).toEqual(['conv1', 'conv_pw_13']);
      expect(err.message).toContain(`can use: ${err.params.candidates}.`);
      for (const words of [en.errors[err.code], ko.errors[err.code]]) {
        for (const [, name] of words.matchAll(/\{(\w+)\}/g)) expect(err.params, `${err.code}: {${name}}`).toHaveProperty(name!);
      }
      return err;
    };
    expect(await refused('nope')).toMatchObject({ code: 'layer-missing', params: { layer: 'nope' }, message: expect.stringMatching(/^The model has no layer called "nope"\./) });
    expect(await refused('global_average_pooling2d_1')).toMatchObject({
      code: 'layer-not-convolution',
      params: { layer: 'global_average_pooling2d_1', kind: 'GlobalAveragePooling2D', shape: '[null,768]' },
    });
    expect((await refused('input_1')).code).toBe('layer-not-convolution'); // a picture, but not a convolution's
    expect((await refused('conv_preds')).params).toMatchObject({ kind: 'Conv2D', shape: '[null,1,1,1000]' }); // the classifier on a 1x1 map
  });

  it('maps a centre crop back: the parts of the photo the model never saw are 0', async () => {
    const r = await svc.explain({ image: HUSKY, model: 'dog-breeds-imagenet' });
    const meta = await sharp(HUSKY).metadata();
    expect(r.photo).toEqual({ width: meta.width, height: meta.height });
    expect(r.prediction.index).toBeGreaterThanOrEqual(151);
    const landscape = meta.width! > meta.height!;
    const side = Math.min(meta.width!, meta.height!);
    expect(r.seen).toEqual(
      landscape ? { left: (meta.width! - side) / 2, top: 0, width: side, height: side } : { left: 0, top: (meta.height! - side) / 2, width: side, height: side },
    );
    const h = r.heatmap;
    // Cells as large as the 7x7 grid's over the crop, across the whole photo.
    expect(landscape ? h.height : h.width).toBe(7);
    expect(landscape ? h.width : h.height).toBe(Math.round((7 * Math.max(meta.width!, meta.height!)) / side));
    expect(Math.max(...h.values)).toBe(1);
    const edge = landscape ? Array.from({ length: h.height }, (_, y) => h.values[y * h.width]!) : h.values.slice(0, h.width);
    if ((landscape ? meta.width! : meta.height!) / side > 1.3)
      expect(
        edge.every((v) => v === 0),
        'outside the crop',
      ).toBe(true);
  });

  it("a grey 28x28 model's explanation: its 14x14 feature maps over the photo and the 28x28 grey picture it was given; a colour photo is warned about", async () => {
    const modelDir = path.join(dir, 'fashion');
    await mkdir(modelDir);
    const net = NETWORKS['fashion-cnn'].build();
    const files = await layersModelFiles(net);
    net.dispose();
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(modelDir, name), data);
    const r = await svc.explain({ image: ELEPHANT, model: modelDir });
    expect([r.input.width, r.input.height, r.input.channels]).toEqual([28, 28, 1]);
    const png = await sharp(r.input.png).metadata();
    expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
    expect(r.heatmap.width * r.heatmap.height).toBe(14 * 14);
    const colour = await svc.recognize({ image: LORIKEET, model: modelDir });
    expect(colour.warnings.map((w) => w.code)).toContain('colour-to-grey');
    const grey = await svc.recognize({ image: AIRSHIP, model: modelDir });
    expect(grey.warnings.map((w) => w.code)).not.toContain('colour-to-grey');
  });

  it('dog breeds say "not a dog" with the share on dog classes; a dog is answered without it', async () => {
    const fish = await svc.recognize({ image: TENCH, model: 'dog-breeds-imagenet' });
    expect(fish.rangeShare).toBeLessThan(0.5);
    expect(fish.warnings).toEqual([expect.objectContaining({ code: 'not-a-dog', params: { share: expect.stringMatching(/%$/) } })]);
    expect(fish.warnings[0]!.message).toMatch(/^Not a dog.*of its ImageNet answer is on dog classes/);
    const dog = await svc.recognize({ image: HUSKY, model: 'dog-breeds-imagenet' });
    expect(dog.rangeShare).toBeGreaterThan(0.5);
    expect(dog.warnings).toEqual([]);
    const plain = await svc.recognize({ image: TENCH, model: 'mobilenet' });
    expect(plain.rangeShare).toBeUndefined();
    expect(plain.warnings).toEqual([]);
  });

  it('warns when the photo is much smaller than the input', async () => {
    const tiny = await sharp(ELEPHANT).resize(90, 60).jpeg().toBuffer();
    const r = await svc.recognize({ image: { name: 'tiny.jpg', data: new Uint8Array(tiny) }, model: 'mobilenet' });
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'small-image', params: { width: 90, height: 60, inputWidth: 224, inputHeight: 224 } })]);
  });

  it('every warning has its words in English and Korean', () => {
    for (const code of WARNING_CODES) {
      expect(en.warnings[code], code).toBeTruthy();
      expect(ko.warnings[code], code).toBeTruthy();
      expect(ko.warnings[code]).not.toBe(en.warnings[code]);
    }
  });
});

describe('predict --explain', () => {
  it('--json: each answer carries its heatmap; --explain-dir writes the overlay and never writes over one', async () => {
    const out = path.join(dir, 'overlays');
    const args = ['predict', ELEPHANT, '--top', '3', '--mirror', mirrorDir, '--cache', path.join(dir, 'cache'), '--offline'];
    const first = await runCli([...args, '--explain', '--json', '--explain-dir', out]);
    expect(first.code, first.stderr).toBe(0);
    const [line] = jsonLines(first.stdout);
    const top = line!.top as { index: number; heatmap: { width: number; height: number; values: number[] } }[];
    expect(top).toHaveLength(3);
    for (const t of top) {
      expect(Object.keys(t.heatmap).sort()).toEqual(['height', 'values', 'width']);
      expectHeatmap(t.heatmap, 11, 7); // the crop's 7x7 cells, across the whole 500x333 photo
    }
    expect(line!.warnings).toEqual([]);
    const written = path.join(out, 'n02504013_Indian_elephant-gradcam-Indian_elephant.png');
    expect(line!.overlay).toBe(written);
    const meta = await sharp(written).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 500, 333]);
    const before = await readFile(written);
    const mtime = (await stat(written)).mtimeMs;

    const second = await runCli([...args, '--explain-dir', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`heatmap of Indian elephant: ${path.join(out, 'n02504013_Indian_elephant-gradcam-Indian_elephant-2.png')}`);
    expect(await readFile(written)).toEqual(before);
    expect((await stat(written)).mtimeMs).toBe(mtime);

    const third = await runCli([...args, '--explain-dir', out, '--overwrite', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(jsonLines(third.stdout)[0]!.overlay).toBe(written);
    expect(jsonLines(third.stdout)[0]!.top).toEqual(top.map(({ heatmap: _, ...rest }) => rest)); // no --explain: no heatmaps in the JSON
    expect((await readdir(out)).sort()).toEqual(['n02504013_Indian_elephant-gradcam-Indian_elephant-2.png', 'n02504013_Indian_elephant-gradcam-Indian_elephant.png']);
  });

  it('--layer: the heatmaps of that layer; one Grad-CAM cannot use stops the command once, listing those it can', async () => {
    const args = ['predict', ELEPHANT, TENCH, '--top', '2', '--mirror', mirrorDir, '--cache', path.join(dir, 'cache'), '--offline'];
    const ok = await runCli([...args, '--explain', '--json', '--layer', 'conv_pw_11']);
    expect(ok.code, ok.stderr).toBe(0);
    const [elephant, tench] = jsonLines(ok.stdout);
    expect([elephant!.layer, tench!.layer]).toEqual(['conv_pw_11', 'conv_pw_11']);
    expectHeatmap((elephant!.top as { heatmap: { width: number; height: number; values: number[] } }[])[0]!.heatmap, 21, 14);
    const text = await runCli([...args.filter((a) => a !== TENCH), '--explain']);
    expect(text.stdout).toContain('heatmaps from layer conv_pw_13');

    const wrong = await runCli([...args, '--explain', '--json', '--layer', 'conv_pw_13_relu']); // folded into conv_pw_13 when MobileNet loads
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr.match(/error: The model has no layer called "conv_pw_13_relu"\. Grad-CAM can use: conv1, conv_dw_1, .*, conv_pw_13\./g)).toHaveLength(1);

    const alone = await runCli([...args, '--layer', 'conv_pw_11']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--layer chooses the layer of --explain or --explain-dir');
  });

  it('prints the warnings', async () => {
    const r = await runCli(['predict', TENCH, '--model', 'dog-breeds-imagenet', '--threshold', '1%', '--mirror', mirrorDir, '--cache', path.join(dir, 'cache'), '--offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/answer: not sure \(best guess /); // a breed for a fish is a guess, whatever its share of the dog classes
    expect(r.stdout).toMatch(/warning: Not a dog, as far as the model can tell: only [<\d.]+% of its ImageNet answer is on dog classes/);
  });
});
