// The model catalogue in resources/models.json drives the zoo: where each file comes from,
// how to check it, and how to feed the model.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Preprocessing } from '../models/preprocessing.ts';
import { PHOTO_FITS } from '../../shared/vocabulary.ts';
import { digestMessage, fileChecks, hasDigest } from '../downloads/digest.ts';

const CatalogFile = z.object({ path: z.string().min(1), url: z.string().url().optional(), ...fileChecks });
export type CatalogFile = z.infer<typeof CatalogFile>;
const CheckedFile = CatalogFile.refine(hasDigest, digestMessage('catalogue'));

const ModelEntry = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  speed: z.string(),
  format: z.enum(['tfjs-layers', 'keras-h5-weights']),
  architecture: z.string().optional(),
  entry: z.string(),
  baseUrl: z.string().url(),
  files: z.array(CheckedFile).min(1),
  alternatives: z.array(z.object({ format: z.literal('tfjs-layers'), entry: z.string() })).default([]),
  inputSize: z.tuple([z.number().int(), z.number().int()]),
  channels: z.union([z.literal(1), z.literal(3)]),
  preprocessing: Preprocessing,
  /** How photos are fitted to the input: 'crop' for ImageNet models, as they were evaluated. */
  fit: z.enum(PHOTO_FITS),
  labels: z.string(),
  classes: z.number().int(),
  parameters: z.number().int(),
  license: z.string(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** A zoo model seen through a subset of its classes, renormalized (ImageNet's dogs, say). */
const ViewEntry = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  speed: z.string(),
  of: z.string(),
  /** How photos are fitted to the input; the model's own way when absent. */
  fit: z.enum(PHOTO_FITS).optional(),
  classRange: z.tuple([z.number().int().min(0), z.number().int().min(0)]).refine(([a, b]) => a < b, 'classRange: [first, last] with first < last'),
  /** What the classes are all kinds of: a photo with little probability on them is "not a dog" (shared/recognize-warnings.ts). */
  subject: z.enum(['dog']).optional(),
});
export type ViewEntry = z.infer<typeof ViewEntry>;

const Catalog = z.object({
  labels: z.record(z.string(), CatalogFile.extend({ url: z.string().url(), license: z.string() }).refine(hasDigest, digestMessage('catalogue'))),
  models: z.array(ModelEntry),
  views: z.array(ViewEntry).default([]),
});
export type Catalog = z.infer<typeof Catalog>;

/** resources/ sits two folders above this file in the source tree and in the build. */
export function resourcesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../..', '..']) {
    const dir = path.resolve(here, up, 'resources');
    try {
      readFileSync(path.join(dir, 'models.json'));
      return dir;
    } catch {
      /* try the next level */
    }
  }
  throw new Error(`resources/models.json not found above ${here}`);
}

let cached: Catalog | undefined;

export function loadCatalog(): Catalog {
  if (!cached) {
    const file = path.join(resourcesDir(), 'models.json');
    cached = Catalog.parse(JSON.parse(readFileSync(file, 'utf8')));
  }
  return cached;
}

export function findModel(id: string): ModelEntry | undefined {
  return loadCatalog().models.find((m) => m.id === id);
}

export function findView(id: string): ViewEntry | undefined {
  return loadCatalog().views.find((v) => v.id === id);
}

export interface FileSet {
  id: string;
  files: CatalogFile[];
  baseUrl?: string;
  /** The class labels the model needs besides its own files. */
  labels?: CatalogFile;
}

/** The files behind an id: a zoo model (a view means its model) and its labels, or a labels file ("imagenet"). */
export function fileSetOf(id: string): FileSet {
  const catalog = loadCatalog();
  const entry = findModel(id) ?? findModel(findView(id)?.of ?? '');
  if (entry) return { id: entry.id, files: entry.files, baseUrl: entry.baseUrl, labels: catalog.labels[entry.labels] };
  const labels = catalog.labels[id];
  if (labels) return { id, files: [labels] };
  const known = [...catalog.models.map((m) => m.id), ...catalog.views.map((v) => v.id), ...Object.keys(catalog.labels)];
  throw new Error(`Unknown model "${id}": choose one of ${known.join(', ')}.`);
}

/** The official URL of a catalogue file: its own, or the model's base URL plus its path. */
export function fileUrl(file: CatalogFile, baseUrl?: string): string {
  if (file.url) return file.url;
  if (!baseUrl) throw new Error(`No URL known for ${file.path}`);
  return new URL(file.path, baseUrl).toString();
}
