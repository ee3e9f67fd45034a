// fit with its batches on the compute page when a route is given, and back on Node's backend when
// the page fails: the one way every run (classic, a transfer run's head, its fine-tuning) computes
// on the page. The run decides only whether it has a route; what a failure does is decided here.
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import { logLine } from '../../shared/log-messages.ts';
import type { TrainConfig } from './config.ts';
import { fit, type FitHooks, type FitResult, type FitStart } from './fit.ts';
import { ComputeCancelled, ComputeFailed, localCompute, type FitCompute } from './fit-compute.ts';
import { remoteCompute, type SessionLink } from './remote-compute.ts';

/** The compute page a run's batches go to: its GPU backend, and the way to its session. */
export interface PageRoute {
  backend: 'webgl' | 'webgpu';
  link: SessionLink;
}

/** The route a run has: both the backend to compute on and a link to the page, else none (Node). */
export function pageRoute(computeOn: PageRoute['backend'] | undefined, link: SessionLink | undefined): PageRoute | undefined {
  return computeOn && link ? { backend: computeOn, link } : undefined;
}

/** The first epoch fit would run from `start`. */
function firstEpoch(start: FitStart | undefined): number {
  if (!start) return 1;
  return start.continues ? (start.history.at(-1)?.epoch ?? 0) + 1 : start.bestEpoch + 1;
}

/**
 * Where Node goes on after the page failed in `first`, from the best checkpoint (whose weights
 * the model holds) as a resume would: the epochs after it run again. A phase that continues
 * another (fine-tuning after the head) keeps the other phase's history whole and runs its own
 * remaining epochs, still after that history.
 */
function again(first: FitResult, best: number | undefined, cfg: TrainConfig, start: FitStart | undefined): { start?: FitStart; cfg: TrainConfig } {
  if (best === undefined) return { cfg };
  if (!start?.continues) return { start: { history: first.history, bestEpoch: best }, cfg };
  const before = firstEpoch(start) - 1;
  const last = before + cfg.epochs;
  const from = Math.max(best, before);
  return { start: { history: first.history.filter((r) => r.epoch <= from), bestEpoch: best, continues: true }, cfg: { ...cfg, epochs: last - from } };
}

/**
 * fit on `route`'s page, or on Node without one. A page that cannot begin, or fails mid-run (a
 * lost GPU, a closed or silent compute window), hands the run to Node's `nodeBackend` from the
 * best checkpoint, saying so in the log ('compute-train-fell-back'); `fellBack` then says so too,
 * so a later phase of the run stays on Node.
 */
export async function routedFit(
  model: tf.LayersModel,
  train: ImageSet,
  validation: ImageSet | undefined,
  cfg: TrainConfig,
  preprocessing: Preprocessing,
  hooks: FitHooks,
  start: FitStart | undefined,
  route: PageRoute | undefined,
  nodeBackend: string,
): Promise<FitResult & { fellBack?: true }> {
  let compute: FitCompute | undefined;
  let result: FitResult | undefined;
  if (route) {
    try {
      compute = await remoteCompute(model, cfg, train, preprocessing, route.backend, route.link, hooks.signal);
    } catch (err) {
      // Cancelled while the page began: fit, on Node, stops at once as at any cancel.
      if (!(err instanceof ComputeCancelled))
        result = { history: start?.history ?? [], cancelled: false, stoppedEarly: false, failed: ComputeFailed.of(err).at(firstEpoch(start)) };
    }
  }
  result ??= await fit(model, train, validation, cfg, preprocessing, { ...hooks, ...(compute ? { compute } : {}) }, start);
  if (!result.failed) return result;
  // The page failed: Node goes on from the best checkpoint, whose weights the model holds (and
  // the store keeps), as a resume would.
  const first = result;
  const best = first.bestEpoch ?? start?.bestEpoch;
  const key = best !== undefined ? 'compute-train-fell-back' : 'compute-train-fell-back-start';
  // Its reason travels coded where the page's was (a lost GPU, a silent page): the window words it.
  const { reason, atEpoch, coded } = first.failed!;
  hooks.emit({ event: 'log', ...logLine(key, { from: route!.backend, backend: nodeBackend, reason, epoch: atEpoch, best: best ?? 0 }, coded) });
  const next = again(first, best, cfg, start);
  const rest = await fit(model, train, validation, next.cfg, preprocessing, { ...hooks, compute: localCompute(model, next.cfg, train, preprocessing) }, next.start);
  rest.checkpoint ??= first.checkpoint;
  return { ...rest, fellBack: true };
}
