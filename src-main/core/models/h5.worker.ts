// The HDF5 reader thread (see h5-reader.ts): reads Keras files with h5wasm on request.
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from '../threads.ts';
import type { H5Request } from './h5-reader.ts';
import { readKerasWeightShapesInThread, readKerasWeightsInThread, readModelConfigInThread, readWantedWeightsInThread } from './keras-h5.ts';

const port = parentPort!;
port.on('message', async (req: H5Request) => {
  const { id, op, file } = req;
  try {
    if (op === 'config') return port.postMessage({ id, ok: true, value: await readModelConfigInThread(file) } satisfies WorkerReply);
    if (op === 'shapes') return port.postMessage({ id, ok: true, value: [...(await readKerasWeightShapesInThread(file)).entries()] } satisfies WorkerReply);
    if (op === 'wanted') {
      const values = await readWantedWeightsInThread(file, req.wanted);
      return port.postMessage({ id, ok: true, value: values } satisfies WorkerReply, values.map((v) => v.buffer as ArrayBuffer));
    }
    const entries = [...(await readKerasWeightsInThread(file)).entries()];
    const buffers = entries.flatMap(([, ws]) => ws.map((w) => w.values.buffer as ArrayBuffer));
    port.postMessage({ id, ok: true, value: entries } satisfies WorkerReply, buffers);
  } catch (err) {
    port.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
