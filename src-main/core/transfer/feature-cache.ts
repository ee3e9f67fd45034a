// Backbone features on disk, one small file per image, keyed by the image's content hash in
// a folder named by the backbone, its weights and its preprocessing: a changed photo or another
// backbone misses, and training a head again never runs the backbone twice for the same image.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Backbone } from './backbone.ts';

export interface FeatureKeyParts {
  backbone: string;
  weightsTag: string;
  preprocessing: string;
  resize: string;
  inputSize: [number, number];
  featureLength: number;
}

/**
 * The key of a backbone's features: `featureLength` floats a photo (its pooled features unless
 * given, e.g. the activations at a fine-tuning split). Squashed photos keep the key their features
 * had before crop existed ('bilinear'), so those caches still serve.
 */
export function featureKeyOf(backbone: Backbone, featureLength = backbone.featureLength): FeatureKeyParts {
  const { id, weightsTag, preprocessing, fit, inputSize } = backbone;
  return { backbone: id, weightsTag, preprocessing, resize: fit === 'squash' ? 'bilinear' : fit, inputSize, featureLength };
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class FeatureCache {
  readonly dir: string;

  constructor(
    cacheDir: string,
    readonly key: FeatureKeyParts,
  ) {
    const k = key;
    this.dir = path.join(cacheDir, 'features', `${k.backbone}-${k.weightsTag}-${k.preprocessing}-${k.resize}-${k.inputSize[0]}x${k.inputSize[1]}`);
  }

  private file(hash: string): string {
    return path.join(this.dir, hash.slice(0, 2), `${hash}.f32`);
  }

  /** The features of an image by its content hash, or undefined (a file of the wrong size counts as absent). */
  async get(hash: string): Promise<Float32Array | undefined> {
    try {
      const buf = await readFile(this.file(hash));
      if (buf.length !== this.key.featureLength * 4) return undefined;
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    } catch {
      return undefined;
    }
  }

  /** Written aside and renamed, so a reader never sees half a vector. */
  async put(hash: string, features: Float32Array): Promise<void> {
    const file = this.file(hash);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    await rename(tmp, file);
  }
}
