// A quick timing of this machine's feature speed, where no extraction was measured yet: a few
// photo-sized JPEGs decoded and run through the backbone's zoo classifier by the recognizer
// (in the app, its worker thread), after one untimed call that loads and warms the model. One
// photo at a time and the classifier's top included: a little slower than a batched
// extraction, so the estimate errs long.
import sharp from 'sharp';
import type { RecognizeReply, RecognizeRequest } from '../contract.ts';
import type { ExtractionSpeed } from '../core/transfer/speed.ts';

export const PROBE_PHOTOS = 4;

/** A 500×375 JPEG of noise: about the size of a Stanford Dogs photo, and as costly to decode. */
async function probePhoto(seed: number): Promise<Uint8Array<ArrayBuffer>> {
  const w = 500;
  const h = 375;
  const px = Buffer.alloc(w * h * 3);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < px.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    px[i] = x >>> 24;
  }
  return new Uint8Array(
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

export async function timeBackbone(backbone: string, recognize: (req: RecognizeRequest) => Promise<RecognizeReply>): Promise<ExtractionSpeed> {
  const photos = await Promise.all(Array.from({ length: PROBE_PHOTOS + 1 }, (_, k) => probePhoto(k)));
  const first = await recognize({ image: { name: 'probe-0.jpg', data: photos[0]! }, model: backbone, topK: 1 });
  let ms = 0;
  for (const [k, data] of photos.slice(1).entries()) {
    const r = await recognize({ image: { name: `probe-${k + 1}.jpg`, data }, model: backbone, topK: 1 });
    ms += r.timings.decode + r.timings.inference;
  }
  return { imagesPerSecond: PROBE_PHOTOS / (Math.max(ms, 1) / 1000), images: PROBE_PHOTOS, backend: first.backend, measuredAt: new Date().toISOString() };
}
