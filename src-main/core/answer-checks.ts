// Whether a question suits the model it is put to: the checks behind the coded warnings of
// shared/recognize-warnings.ts.
import type { ClassifierSpec } from './classifier.ts';
import { decodeImage, type DecodedImage } from './images/decode.ts';
import { COLOURFUL, UPSCALE_LIMIT, VIEW_SHARE_THRESHOLD, warning, type RecognizeWarning } from '../shared/recognize-warnings.ts';

/**
 * Hasler and Süsstrunk (2003), "Measuring colourfulness in natural images": 0 for a grey
 * picture, about 15 for a slightly colourful one, 33 and up for a moderately colourful one.
 */
export function colourfulness(rgb: Uint8Array): number {
  const n = rgb.length / 3;
  let [sumRg, sumYb, sqRg, sqYb] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!];
    const rg = r - g;
    const yb = (r + g) / 2 - b;
    sumRg += rg;
    sumYb += yb;
    sqRg += rg * rg;
    sqYb += yb * yb;
  }
  const [mRg, mYb] = [sumRg / n, sumYb / n];
  const sd = Math.sqrt(Math.max(0, sqRg / n - mRg * mRg) + Math.max(0, sqYb / n - mYb * mYb));
  return sd + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

/** The photo at most 64 pixels on a side in colour: enough to tell colour from grey. */
async function smallColour(input: string | Buffer, name: string): Promise<Uint8Array> {
  return (await decodeImage(input, { width: 64, height: 64, channels: 3 }, name)).data;
}

export interface CheckInput {
  spec: ClassifierSpec;
  image: DecodedImage;
  /** The photo itself (read again only for a grey model's colour check). */
  source: string | Buffer;
  name: string;
  /** With a view's classRange: the share of the base model's probability on those classes. */
  rangeShare?: number;
  /** The view's subject (catalogue), e.g. 'dog'. */
  subject?: 'dog';
}

export async function answerWarnings(c: CheckInput): Promise<RecognizeWarning[]> {
  const out: RecognizeWarning[] = [];
  const [inputHeight, inputWidth] = c.spec.inputSize;
  if (c.subject === 'dog' && c.rangeShare !== undefined && c.rangeShare < VIEW_SHARE_THRESHOLD) {
    out.push(warning('not-a-dog', { share: c.rangeShare }));
  }
  const { width, height } = c.image.original;
  if (width * UPSCALE_LIMIT < inputWidth || height * UPSCALE_LIMIT < inputHeight) {
    out.push(warning('small-image', { width, height, inputWidth, inputHeight }));
  }
  if (c.spec.channels === 1 && colourfulness(await smallColour(c.source, c.name)) > COLOURFUL) {
    out.push(warning('colour-to-grey', { inputWidth, inputHeight }));
  }
  return out;
}
