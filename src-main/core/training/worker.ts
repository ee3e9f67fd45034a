// The training worker: runs one training off the caller's thread and streams its events.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainConfigInput } from './config.ts';
import { runTraining, type RunEnvironment } from './run.ts';

export type ToWorker = { type: 'cancel' };
export type FromWorker =
  | { type: 'event'; event: import('./events.ts').TrainEvent }
  | { type: 'error'; message: string };

const port = parentPort!;
const { config, env } = (workerData as { data: { config: TrainConfigInput; env: RunEnvironment } }).data;
const controller = new AbortController();
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') controller.abort();
});
const post = (m: FromWorker) => port.postMessage(m);

try {
  await runTraining(config, env, (event) => post({ type: 'event', event }), controller.signal);
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
} finally {
  port.close();
}
