// The chooser's figures kept between starts (<state>/compute-choice.json): measuring takes
// seconds to minutes, so it happens at first start and when asked, not every time. A file that
// does not parse is treated as absent (measured again), never trusted.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { COMPUTE_BACKENDS, SKIP_REASONS } from './choose.ts';
import type { ComputeFigures } from './measure-all.ts';

const Backend = z.enum(COMPUTE_BACKENDS);
const Adapter = z.strictObject({ name: z.string().max(500), software: z.boolean() });
const ms = z.number().nonnegative().finite();

const Figures = z.strictObject({
  measuredAt: z.string().datetime(),
  candidates: z.array(
    z.strictObject({
      backend: Backend,
      available: z.boolean(),
      adapter: Adapter.optional(),
      measured: z.strictObject({ inferenceMs: ms, trainStepMs: ms }).optional(),
      detail: z.string().max(1000).optional(),
    }),
  ),
  choice: z.strictObject({
    backend: Backend,
    adapter: Adapter.optional(),
    forced: z.boolean(),
    skipped: z.array(z.strictObject({ backend: Backend, reason: z.enum(SKIP_REASONS), detail: z.string().max(1000).optional() })),
  }),
  note: z.string().max(1000).optional(),
});

export const FIGURES_FILE = 'compute-choice.json';

export async function readFigures(dir: string): Promise<ComputeFigures | undefined> {
  try {
    const parsed = Figures.safeParse(JSON.parse(await readFile(path.join(dir, FIGURES_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a crash mid-write leaves the previous figures. */
export async function writeFigures(dir: string, figures: ComputeFigures): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, FIGURES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(Figures.parse(figures), null, 1));
  await rename(tmp, file);
}
