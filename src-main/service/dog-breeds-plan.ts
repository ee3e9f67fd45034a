// What building the dog-breed model costs, told before it starts: whether it is built (or a
// stopped build waits), the bytes still to download, the photos to go through the backbone, and
// how long that takes on this machine, estimated from a measured speed.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DogBreedsPlanView } from '../contract.ts';
import { STANFORD_SPLIT_DIR, datasetPlaces } from '../core/datasets/catalog.ts';
import { stanfordDogsEntry } from '../core/datasets/stanford-dogs.ts';
import { isDir, isFile } from '../core/fs-kinds.ts';
import { ModelStore, runState } from '../core/store/model-store.ts';
import { readExtractionSpeed, type ExtractionSpeed } from '../core/transfer/speed.ts';
import { DOG_BREEDS_MODEL } from '../shared/vocabulary.ts';
import { DOG_BREEDS_BACKBONE, type DogBreedsContext } from './dog-breeds.ts';

export type DogBreedsPlan = DogBreedsPlanView;

export interface PlanContext extends Pick<DogBreedsContext, 'env' | 'entry'> {
  /** Times a few photos through the backbone now, where no extraction was measured yet. */
  probe?: () => Promise<ExtractionSpeed | undefined>;
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

async function modelState(store: ModelStore, splitRoot: string): Promise<{ built: boolean; stopped: boolean }> {
  if (!(await store.has(DOG_BREEDS_MODEL))) return { built: false, stopped: false };
  const meta = await store.get(DOG_BREEDS_MODEL);
  const state = runState(meta);
  // The same test dog-breeds.ts makes before continuing a build rather than refusing the name.
  const stopped = (state === 'cancelled' || state === 'interrupted') && meta.dataset.source === splitRoot;
  return { built: !stopped && state !== 'training', stopped };
}

export async function dogBreedsPlan(ctx: PlanContext): Promise<DogBreedsPlan> {
  const entry = stanfordDogsEntry(ctx.entry);
  const { cache, mirrors } = datasetPlaces(entry.id, ctx.env.cacheDir, ctx.env.mirrorDir);
  const state = await modelState(new ModelStore(ctx.env.storeDir), path.join(cache, STANFORD_SPLIT_DIR));
  let downloadBytes = 0;
  let downloadedBytes = 0;
  const local = (await isDir(path.join(cache, STANFORD_SPLIT_DIR))) || (await isDir(path.join(cache, 'Images')));
  if (!local) {
    for (const f of entry.files) {
      let here = await isFile(path.join(cache, f.name));
      for (const m of mirrors) here ||= await isFile(path.join(m, f.name));
      if (here) continue;
      // A stopped download resumes from its .part: only the rest is still to come.
      const kept = Math.min(await sizeOf(path.join(cache, `${f.name}.part`)), f.size ?? 0);
      downloadedBytes += kept;
      downloadBytes += (f.size ?? 0) - kept;
    }
  }
  const photos = (entry.counts?.train ?? 0) + (entry.counts?.test ?? 0);
  const plan: DogBreedsPlan = {
    ...state,
    downloadBytes,
    downloadedBytes,
    photos,
    classes: entry.classCount ?? entry.classNames?.length ?? 0,
    backbone: DOG_BREEDS_BACKBONE,
  };
  if (state.built) return plan; // nothing to estimate, nothing to time
  const measured = await readExtractionSpeed(ctx.env.cacheDir, DOG_BREEDS_BACKBONE);
  const speed = measured ? { ...measured, how: 'extraction' as const } : await timed(ctx.probe);
  if (speed) plan.estimate = { ...speed, seconds: photos / speed.imagesPerSecond };
  return plan;
}

async function timed(probe: PlanContext['probe']): Promise<(ExtractionSpeed & { how: 'timed' }) | undefined> {
  const s = await probe?.().catch(() => undefined); // no backbone at hand: no estimate, no error
  return s && { ...s, how: 'timed' };
}
