// "Why this answer?": Grad-CAM heatmaps of a classifier's classes for one photo, laid over the
// whole photo as given (heatmap.ts), and the picture the model was actually given.
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from './classifier.ts';
import type { DecodedImage } from './images/decode.ts';
import { heatmapOverPhoto, pixelsPng, type Heatmap, type Placement } from './images/heatmap.ts';
import { gradCam, type GradCamOptions } from './models/grad-cam.ts';
import { preprocessBatch } from './models/preprocess.ts';

export type { Heatmap };

export function placementOf(classifier: Classifier, image: DecodedImage): Placement {
  const [height, width] = classifier.spec.inputSize;
  // The way this photo was fitted (predict --resize may differ from the model's own).
  return { fit: image.fit, original: image.original, input: { width, height } };
}

/** One heatmap per class (the model's own output indices, as predictions give them); `opts.layer`: the feature maps to use. */
export async function explainClasses(
  classifier: Classifier,
  image: DecodedImage,
  classes: readonly number[],
  opts: GradCamOptions = {},
): Promise<{ layer: string; heatmaps: Heatmap[] }> {
  const [height, width] = classifier.spec.inputSize;
  const x = preprocessBatch([image.data], height, width, classifier.spec.channels, classifier.spec.preprocessing);
  try {
    const cam = await gradCam(classifier.model, x, classes, opts);
    const placement = placementOf(classifier, image);
    return { layer: cam.layer, heatmaps: cam.maps.map((m) => heatmapOverPhoto(m, placement)) };
  } finally {
    tf.dispose(x);
  }
}

/**
 * What the model sees: the exact pixels it was given (resized or cropped, grey and inverted for
 * an MNIST-style model), as a PNG; preprocessing after this only rescales the numbers.
 */
export function modelInputPng(image: DecodedImage): Promise<Buffer> {
  return pixelsPng(image.data, image.width, image.height, image.channels);
}
