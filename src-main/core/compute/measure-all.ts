// The chooser at first start (and on demand): every backend present is timed (measure.ts), Node's
// in its own thread and the compute page's in the page, a software adapter is not timed unless it
// was asked for, and choose.ts keeps the fastest. Pure orchestration: the sides are passed in.
import type { ScoreSpec } from '../models/scores.ts';
import { chooseBackend, type Candidate, type Choice, type ComputeBackend } from './choose.ts';
import type { ModelFiles } from './engine.ts';
import type { Figures, MeasureOptions } from './measure.ts';
import type { BackendProbe, PageBackend } from './port.ts';

/** What was measured, when, and what it decided: the Settings show it, the app computes by it. */
export interface ComputeFigures {
  measuredAt: string;
  candidates: Candidate[];
  choice: Choice;
  /** Why some backends were not timed at all (no MobileNet on the machine yet). */
  note?: string;
}

export const NO_MOBILENET = 'MobileNet is not on this machine yet, so backends could not be timed; wasm computes until it is downloaded and they are measured again';

/** The compute page as the chooser sees it (ComputeClient is one). */
export interface PageSide {
  probe(): Promise<BackendProbe[]>;
  measure(backend: PageBackend, mobilenet: ModelFiles, spec: ScoreSpec, options?: MeasureOptions): Promise<Figures>;
  use(backend: PageBackend): Promise<void>;
}

export interface MeasureSources {
  /** Node's backends: the one Node computes with, timed in its thread, and the others as found. */
  node?: () => Promise<Candidate[]>;
  page?: PageSide;
  /** MobileNet's files and spec, for the page. */
  mobilenet?: { files: ModelFiles; spec: ScoreSpec };
  forced?: ComputeBackend;
  options?: MeasureOptions;
  now?: () => Date;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

async function pageCandidates(page: PageSide, src: MeasureSources, haveWasm: boolean): Promise<Candidate[]> {
  const out: Candidate[] = [];
  let probes: BackendProbe[];
  try {
    probes = await page.probe();
  } catch (err) {
    return [
      { backend: 'webgpu', available: false, detail: message(err) },
      { backend: 'webgl', available: false, detail: message(err) },
    ];
  }
  for (const p of probes) {
    // cpu never wins; Node's wasm (threaded) stands for wasm when it was timed.
    if (p.backend === 'cpu' || (p.backend === 'wasm' && haveWasm)) continue;
    const c: Candidate = { ...p };
    // A software adapter is 10-50x slower than wasm and takes minutes to time: only when asked for.
    const wanted = p.available && (!p.adapter?.software || src.forced === p.backend);
    // Without MobileNet nothing is timed: left unmeasured, which the chooser tells apart from failed.
    if (wanted && src.mobilenet) {
      try {
        c.measured = await page.measure(p.backend, src.mobilenet!.files, src.mobilenet!.spec, src.options);
      } catch (err) {
        c.detail = message(err);
      }
    }
    out.push(c);
  }
  return out;
}

/** Times every backend present and chooses; the page is left computing with the choice when it is the page's. */
export async function measureAndChoose(src: MeasureSources): Promise<ComputeFigures> {
  const candidates: Candidate[] = src.node ? await src.node() : [];
  const haveWasm = candidates.some((c) => c.backend === 'wasm' && c.measured);
  if (src.page) candidates.push(...(await pageCandidates(src.page, src, haveWasm)));
  const choice = chooseBackend(candidates, src.forced);
  if (src.page && (choice.backend === 'webgpu' || choice.backend === 'webgl' || (choice.backend === 'wasm' && !haveWasm))) {
    await src.page.use(choice.backend).catch(() => undefined);
  }
  const timed = candidates.some((c) => c.measured);
  return { measuredAt: (src.now?.() ?? new Date()).toISOString(), candidates, choice, ...(!src.mobilenet && !timed ? { note: NO_MOBILENET } : {}) };
}
