// Which backend the app computes with, decided by measuring at first start and kept (the Settings
// show the figures and can measure again): Node's backend timed in the recognition thread, the
// compute window's in its page, software adapters refused unless forced (core/compute).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Candidate, Choice, ComputeBackend } from '../core/compute/choose.ts';
import type { ModelFiles } from '../core/compute/engine.ts';
import { readFigures, writeFigures } from '../core/compute/figures-store.ts';
import { measureAndChoose, type ComputeFigures, type PageSide } from '../core/compute/measure-all.ts';
import { parseModelJson, shardPaths } from '../core/models/layers-artifacts.ts';
import type { ScoreSpec } from '../core/models/scores.ts';
import { findModel } from '../core/zoo/catalog.ts';
import { locateFiles, modelAvailable } from '../core/zoo/files.ts';
import type { StorageSettings } from '../core/paths.ts';

export interface ComputeChoiceOptions {
  /** Where the figures are kept. */
  stateDir: string;
  storage: Pick<StorageSettings, 'cacheDir' | 'mirrorDir'>;
  /** Node's side: its backend timed where it computes (the recognition thread). */
  node?: () => Promise<Candidate[]>;
  /** A backend asked for by name (CLASSIFIER_BACKEND): honoured, software or not. */
  forced?: ComputeBackend;
}

// MobileNet as the page gets it: the zoo's files, read from the cache or the mirror (never downloaded for this).
async function mobilenetForPage(storage: ComputeChoiceOptions['storage']): Promise<{ files: ModelFiles; spec: ScoreSpec } | undefined> {
  if (!(await modelAvailable('mobilenet', storage))) return undefined;
  const entry = findModel('mobilenet')!;
  const { root } = await locateFiles(entry.files, { ...storage, offline: true });
  const dir = path.join(root, path.dirname(entry.entry));
  const json = await readFile(path.join(dir, 'model.json'), 'utf8');
  const shards = await Promise.all(shardPaths(parseModelJson(json, dir)).map((p) => readFile(path.join(dir, p))));
  return {
    files: { json, shards: shards.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) },
    spec: { inputSize: entry.inputSize, channels: entry.channels, preprocessing: entry.preprocessing },
  };
}

export class ComputeChoice {
  private page?: PageSide;
  private measuring?: Promise<ComputeFigures>;
  /** The figures the app computes by now: read at start, replaced by each measurement. */
  private latest?: ComputeFigures;

  constructor(private readonly options: ComputeChoiceOptions) {}

  /** The compute window, once it is up (the app opens it after its own window shows). */
  attachPage(page: PageSide | undefined): void {
    this.page = page;
  }

  /** The figures measured last, if any. */
  figures(): Promise<ComputeFigures | undefined> {
    return readFigures(this.options.stateDir);
  }

  /** Times every backend present, chooses, keeps the figures; one measurement at a time. */
  measure(): Promise<ComputeFigures> {
    this.measuring ??= (async () => {
      try {
        const figures = await measureAndChoose({
          ...(this.options.node ? { node: this.options.node } : {}),
          ...(this.page ? { page: this.page } : {}),
          mobilenet: await mobilenetForPage(this.options.storage),
          ...(this.options.forced ? { forced: this.options.forced } : {}),
        });
        await writeFigures(this.options.stateDir, figures);
        this.latest = figures;
        return figures;
      } finally {
        this.measuring = undefined;
      }
    })();
    return this.measuring;
  }

  /** At start: the kept figures, or measured now when there are none yet (the first start). */
  async atStart(): Promise<ComputeFigures> {
    const kept = await this.figures();
    if (kept) this.latest = kept;
    return kept ?? this.measure();
  }

  /** The backend chosen by the latest figures (undefined before any): what recognition is routed by. */
  current(): Choice | undefined {
    return this.latest?.choice;
  }
}
