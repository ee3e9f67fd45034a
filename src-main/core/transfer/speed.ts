// How fast this machine computes backbone features, as the last extraction measured it: read
// back to estimate how long a build will take before it starts (the dog-breed model's 20,580
// photos). One small JSON file beside the feature cache, one record per backbone.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';

export interface ExtractionSpeed {
  /** Photos read, decoded and run through the backbone per second (cached ones left out). */
  imagesPerSecond: number;
  /** How many photos the measurement timed. */
  images: number;
  backend: string;
  measuredAt: string;
}

/** Fewer photos than this time the warm-up rather than the speed. */
export const MIN_TIMED_IMAGES = 16;

const speedFile = (cacheDir: string) => path.join(cacheDir, 'features', 'speed.json');

async function readAll(cacheDir: string): Promise<Record<string, ExtractionSpeed>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(speedFile(cacheDir), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, ExtractionSpeed>) : {};
  } catch {
    return {}; // none yet, or unreadable: no measurement
  }
}

/** The last measurement for a backbone, if one was taken (and looks like one). */
export async function readExtractionSpeed(cacheDir: string, backbone: string): Promise<ExtractionSpeed | undefined> {
  const s = (await readAll(cacheDir))[backbone];
  const ok = s && Number.isFinite(s.imagesPerSecond) && s.imagesPerSecond > 0 && Number.isInteger(s.images) && typeof s.measuredAt === 'string';
  return ok ? { imagesPerSecond: s.imagesPerSecond, images: s.images, backend: String(s.backend ?? ''), measuredAt: s.measuredAt } : undefined;
}

/**
 * Keeps an extraction's speed when it timed enough fresh photos: `computed` of them in `seconds`
 * (photos read from the cache, cheap, count against it: the speed errs slow). Never throws: a
 * measurement is a nicety, not part of the run.
 */
export async function recordExtractionSpeed(cacheDir: string, backbone: string, m: { computed: number; cached: number; seconds: number; backend: string }): Promise<void> {
  if (m.computed < MIN_TIMED_IMAGES || m.cached > m.computed || !(m.seconds > 0)) return;
  try {
    const all = await readAll(cacheDir);
    all[backbone] = { imagesPerSecond: m.computed / m.seconds, images: m.computed, backend: m.backend, measuredAt: new Date().toISOString() };
    await mkdir(path.dirname(speedFile(cacheDir)), { recursive: true });
    await writeFileAtomic(speedFile(cacheDir), JSON.stringify(all, null, 1));
  } catch {
    // A read-only cache: the next estimate is timed instead.
  }
}
