// What a model folder says about itself (classifier-studio.json in the store, or the
// metadata.json published beside TensorFlow.js models), checked against the model it describes
// before it is used: an inputSize of 16000x16000 would make every photo a 3 GB tensor, and
// labels that do not match the outputs would name the wrong classes.
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { z } from 'zod';
import { Preprocessing } from '../models/preprocessing.ts';
import { PHOTO_FITS } from '../../shared/vocabulary.ts';
import { CodedError } from '../../shared/errors.ts';
import { issueParams } from '../../shared/field-issues.ts';

/** Larger than any image classifier's input (EfficientNet-B7 takes 600); a side beyond it is refused. */
export const MAX_INPUT_SIDE = 4096;
export const MAX_LABELS = 100_000;
/** The metadata file itself (a stored model's holds its training history too). */
export const MAX_META_BYTES = 64 * 1024 ** 2;

const side = z.number().int().min(1).max(MAX_INPUT_SIDE);

export const FolderMetadata = z.looseObject({
  name: z.string().max(500).optional(),
  labels: z.union([z.literal('imagenet'), z.array(z.string().max(1000)).max(MAX_LABELS)]).optional(),
  preprocessing: Preprocessing.optional(),
  inputSize: z.tuple([side, side]).optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  resize: z.enum(['bilinear', 'area']).optional(),
  /** How photos are fitted to the input; absent (models stored before it was kept): 'squash'. */
  fit: z.enum(PHOTO_FITS).optional(),
  invertLightBackground: z.boolean().optional(),
});
export type FolderMetadata = z.infer<typeof FolderMetadata>;

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length ? issue.path.join('.') : 'the metadata'}: ${issue.message}`;
}

/** Each refusal is coded (the window words it; shared/errors.ts), its English as the CLI prints it. */
const refuse = (code: ConstructorParameters<typeof CodedError>[0], file: string, message: string, params: Record<string, string | number>) =>
  new CodedError(code, `${file}: ${message}`, { file, ...params });

const dims = (h: number | null, w: number | null) => `${h ?? 'any'}x${w ?? 'any'}`;

/**
 * The metadata, parsed and found to fit `model`: inputSize and channels agree with its input
 * shape (where that is fixed), a list of labels has one per output, and every size is bounded.
 * Errors name `file`.
 */
export function checkMetadata(raw: unknown, file: string, model: LayersModel): FolderMetadata {
  const parsed = FolderMetadata.safeParse(raw);
  if (!parsed.success) throw refuse('model-meta-invalid', file, `not valid model metadata (${firstIssue(parsed.error)})`, issueParams(parsed.error.issues, path.basename(file)));
  const meta = parsed.data;
  const shape = model.inputs[0]!.shape;
  // An image model takes [batch, height, width, channels]; other inputs are only bounded by the schema.
  const [, h, w, c] = shape.length === 4 ? shape : [null, null, null, null];
  for (const d of [h, w]) {
    if (d !== null && d > MAX_INPUT_SIDE) {
      throw refuse('import-input-too-large', file, `the model takes ${dims(h, w)} images, over the limit of ${MAX_INPUT_SIDE} pixels a side.`, {
        size: dims(h, w),
        limit: MAX_INPUT_SIDE,
      });
    }
  }
  if (meta.inputSize && ((h !== null && meta.inputSize[0] !== h) || (w !== null && meta.inputSize[1] !== w))) {
    const size = meta.inputSize.join('x');
    throw refuse('model-meta-input-mismatch', file, `inputSize ${size} does not match the model's input of ${dims(h, w)}.`, { size, input: dims(h, w) });
  }
  if (meta.channels !== undefined && c !== null && meta.channels !== c) {
    throw refuse('model-meta-channels-mismatch', file, `channels ${meta.channels} does not match the model's input of ${c} channel${c === 1 ? '' : 's'}.`, {
      channels: meta.channels,
      input: c,
    });
  }
  const out = model.outputs[0]!.shape;
  const classes = out[out.length - 1] ?? null;
  const named = meta.labels === 'imagenet' ? 1000 : meta.labels?.length;
  if (named !== undefined && classes !== null && named !== classes) {
    const message = `names ${named} classes${meta.labels === 'imagenet' ? ' (imagenet)' : ''} but the model has ${classes} outputs.`;
    throw refuse('model-meta-labels-mismatch', file, message, { named, outputs: classes });
  }
  return meta;
}
