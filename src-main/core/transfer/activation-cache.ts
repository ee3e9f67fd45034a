// Activations at a fine-tuning split on disk: the feature cache's files (float32, one per photo,
// keyed by content hash) in a folder keyed also by the split's layer, so another split misses.
//
// Why float32 and this split: MobileNet's split before conv_pw_12 is its smallest map, 7x7x384,
// 75 KB a photo (the 7x7x768 map before the last block would be twice that), so CIFAR-10's 5,000
// training photos take 376 MB on disk; training reads them a batch at a time, so memory holds a
// batch, not the set. Half floats would halve the disk, but measured on real photos they moved the
// loss by 4e-4 and conv_pw_12's kernel gradient by 3% (relu6 kinks flip), far from the whole
// network's gradients; uint8 would be worse.
import { FeatureCache, type FeatureKeyParts } from './feature-cache.ts';

export class ActivationCache extends FeatureCache {
  /**
   * `key` as the feature cache has it, with `featureLength` the split's h * w * c. `flipped`: the
   * activations of the photos turned left to right, under the same content hashes, in a folder of their own.
   */
  constructor(
    cacheDir: string,
    key: FeatureKeyParts,
    readonly split: string,
    readonly flipped = false,
  ) {
    // The split in the backbone's place: features/mobilenet@conv_pw_12-<weights>-<preprocessing>-...
    // (mobilenet@conv_pw_12~flipped-... for the flipped photos).
    super(cacheDir, { ...key, backbone: `${key.backbone}@${split}${flipped ? '~flipped' : ''}` });
  }

  /** The activations of each hash, in order, or an error naming what went missing since extraction. */
  async getAll(hashes: readonly string[]): Promise<Float32Array> {
    const n = this.key.featureLength;
    const out = new Float32Array(hashes.length * n);
    const rows = await Promise.all(hashes.map((h) => this.get(h)));
    rows.forEach((row, k) => {
      if (!row) throw new Error(`The cached activations of a photo disappeared from ${this.dir} during training; run the transfer again.`);
      out.set(row, k * n);
    });
    return out;
  }
}
