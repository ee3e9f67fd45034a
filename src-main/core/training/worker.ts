// The training worker: runs one training off the caller's thread and streams its events; or,
// asked for a preview, makes the augmented samples the training form shows.
import { parentPort, workerData } from 'node:worker_threads';
import { augmentPreview, type AugmentPreview } from './augment-preview.ts';
import type { TrainConfigInput } from './config.ts';
import { runTraining, type RunEnvironment } from './run.ts';

export type ToWorker = { type: 'cancel' };
export type FromWorker =
  | { type: 'event'; event: import('./events.ts').TrainEvent }
  | { type: 'preview'; preview: AugmentPreview }
  | { type: 'error'; message: string };

const port = parentPort!;
const { config, env, preview } = (workerData as { data: { config: TrainConfigInput; env: RunEnvironment; preview?: boolean } }).data;
const controller = new AbortController();
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') controller.abort();
});
const post = (m: FromWorker) => port.postMessage(m);

try {
  if (preview) post({ type: 'preview', preview: await augmentPreview(config, env) });
  else await runTraining(config, env, (event) => post({ type: 'event', event }), controller.signal);
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
} finally {
  port.close();
}
