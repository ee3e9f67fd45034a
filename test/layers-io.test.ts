// TensorFlow.js layers folders read from disk on every backend (tfjs-node's file:// is not always there).
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { loadLayersModelFromDir } from '../src-main/core/models/layers-io.ts';
import { mirrorDir, tempDir } from './helpers/shared.ts';

const mobilenetDir = path.join(mirrorDir, 'mobilenet_v1_0.75_224');

beforeAll(() => initBackend());

describe('loadLayersModelFromDir', () => {
  it('loads the MobileNet folder of the mirror (shards without a .bin extension)', async () => {
    const model = await loadLayersModelFromDir(mobilenetDir);
    expect(model.countParams()).toBe(2_601_976);
    expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    model.dispose();
  });

  it('names the missing shard, a bad model.json and a missing folder', async () => {
    const dir = path.join(await tempDir(), 'mobilenet');
    await cp(mobilenetDir, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const shard = manifest.weightsManifest[0]!.paths[0]!;
    await rm(path.join(dir, shard));
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(new RegExp(`weight file ${shard} is missing`));

    await writeFile(path.join(dir, 'model.json'), '{"modelTopology": ');
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(/model\.json is not valid JSON/);
    await writeFile(path.join(dir, 'model.json'), '{"hello": 1}');
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(/not a TensorFlow\.js layers model/);
    await expect(loadLayersModelFromDir(path.join(dir, 'nowhere'))).rejects.toThrow(/No TensorFlow\.js model at .*nowhere/);
  });

  it('refuses weight files that are shorter than model.json says, and paths outside the folder', async () => {
    const dir = path.join(await tempDir(), 'mobilenet');
    await cp(mobilenetDir, dir, { recursive: true });
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const shard = path.join(dir, json.weightsManifest[0]!.paths[0]!);
    await writeFile(shard, (await readFile(shard)).subarray(0, 100));
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(/the weight files hold \d+ bytes but model\.json describes \d+/);
    json.weightsManifest[0]!.paths[0] = '../../etc/passwd';
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(/lies outside the model folder/);
  });
});
