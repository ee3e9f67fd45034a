// Recognition routed to the compute page when the backend that computes is one of the page's GPU
// backends (chosen by measuring, or forced). This is the main process's half: it loads a model's
// files into the page the first time it is asked for and scores pictures there. The half that
// decides what to do when the page fails (Node scores instead) is service/page-scoring.ts, where
// the models are. No Electron import: the client is anything with ComputeClient's methods.
import type { ScoreSpec } from '../models/scores.ts';
import type { Adapter } from './choose.ts';
import type { ComputeClient } from './client.ts';
import type { ModelFiles } from './engine.ts';
import type { PageBackend } from './port.ts';

/** Which of the page's GPU backends computes, and on which device. */
export interface PageUse {
  backend: 'webgl' | 'webgpu';
  adapter?: Adapter;
}

/** Pictures to score with a model the page may not have yet; `files` come when it did not. */
export interface PageScoreCall {
  /** The page's name for the model: the service's key for it and a generation, so a retrained model is new. */
  model: string;
  files?: ModelFiles;
  spec: ScoreSpec;
  /** HWC uint8 pictures of the spec's input size. */
  pixels: Uint8Array[];
}

export type PageScoreAnswer =
  /** The page does not compute now (wasm or a Node backend was chosen, or there is no page): Node scores. */
  | { routed: false }
  /** The page has not got this model: ask again with its files. */
  | { routed: true; missing: true }
  /** `backend`: the one the page's reply says computed these (and its adapter when it is the chosen one). */
  | { routed: true; probabilities: Float32Array[]; rangeShares?: number[]; ms: number; backend: PageBackend; adapter?: Adapter };

export type PageClient = Pick<ComputeClient, 'load' | 'recognize' | 'dispose' | 'lostGpu'>;

/**
 * The choice, unless the page lost that backend's GPU: then Node computes until the choice names
 * another backend (Measure again) or a restart opens a new page. tfjs never restores a lost WebGL
 * context or WebGPU device, so asking the page again would only wait on it.
 */
export function usable(use: PageUse | undefined, client: Pick<ComputeClient, 'lostGpu'>): PageUse | undefined {
  return use && !client.lostGpu(use.backend) ? use : undefined;
}

/**
 * How many models the page keeps loaded: its GPU memory is the whole machine's, and a ResNet50
 * takes 100 MB there. A few cover a comparison of models; an older one loads again when asked.
 */
export const PAGE_MODELS_KEPT = 3;

export class PageRoute {
  /** Models loaded in the page, by the name the call gave, least recently used first. */
  private readonly loaded = new Set<string>();

  /** `using` says, each time, whether the page computes now and on what (the choice can change: Measure again). */
  constructor(
    private readonly client: PageClient,
    private readonly using: () => PageUse | undefined,
    private readonly keep = PAGE_MODELS_KEPT,
  ) {}

  /** What computes when recognition is routed here; undefined when it is not (Node, or a lost GPU). */
  use(): PageUse | undefined {
    return usable(this.using(), this.client);
  }

  async score(call: PageScoreCall): Promise<PageScoreAnswer> {
    const use = this.use();
    if (!use) return { routed: false };
    if (this.loaded.delete(call.model))
      this.loaded.add(call.model); // the most recent now
    else {
      if (!call.files) return { routed: true, missing: true };
      await this.client.load(call.model, call.files, 'inference');
      this.loaded.add(call.model);
      // The page serves in order: a recognition already sent with an evicted model comes before its dispose.
      for (const old of this.loaded) if (this.loaded.size > this.keep && old !== call.model) this.forget(old);
    }
    try {
      const { probabilities, rangeShares, ms, backend } = await this.client.recognize(call.model, call.spec, call.pixels);
      // The page's word, not the choice at the time of asking: the choice may change meanwhile.
      const adapter = backend === use.backend ? use.adapter : undefined;
      return { routed: true, probabilities, ...(rangeShares ? { rangeShares } : {}), ms, backend, ...(adapter ? { adapter } : {}) };
    } catch (err) {
      // Whatever broke may have taken the model with it: it is loaded again next time.
      this.loaded.delete(call.model);
      throw err;
    }
  }

  /** The models the page holds for recognition, least recently used first. */
  models(): string[] {
    return [...this.loaded];
  }

  /** Frees a model in the page (one retrained or deleted, whose name will not be asked for again). */
  forget(model: string): void {
    if (this.loaded.delete(model)) void this.client.dispose(model).catch(() => undefined);
  }
}
