// The compute page's side of its MessagePort: requests in, replies out, bulk data as transferred
// buffers (pixels and weights in, probabilities out), never copied through JSON.
import type * as tf from '@tensorflow/tfjs';
import type { ScoreSpec } from '../models/scores.ts';
import type { Adapter, ComputeBackend } from './choose.ts';
import { modelFromFiles, recognize, trainSteps, type ModelFiles, type TrainStepsRequest } from './engine.ts';

export type PageBackend = Extract<ComputeBackend, 'webgpu' | 'webgl' | 'wasm' | 'cpu'>;

export interface BackendProbe {
  backend: PageBackend;
  available: boolean;
  adapter?: Adapter;
  detail?: string;
}

export type ComputeRequest =
  | { kind: 'probe' }
  | { kind: 'use'; backend: PageBackend }
  | { kind: 'load'; name: string; files: ModelFiles; purpose: 'inference' | 'training' }
  | { kind: 'recognize'; name: string; spec: ScoreSpec; pixels: Uint8Array[] }
  | ({ kind: 'trainSteps'; name: string } & TrainStepsRequest)
  | { kind: 'dispose'; name: string };

export type ComputeReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** What only the page can do: look at its GPU adapters and switch tfjs's backend. */
export interface PageHost {
  probe(): Promise<BackendProbe[]>;
  use(backend: PageBackend): Promise<void>;
}

/** The port as both Electron's MessagePortMain-forwarded port and a browser or Node MessagePort look. */
export interface Port {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  start(): void;
}

/** Buffers of typed arrays inside a reply, to transfer rather than copy. */
function buffersOf(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown) => {
    if (ArrayBuffer.isView(v)) out.add(v.buffer as ArrayBuffer);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...out];
}

/** Answers requests on `port` until the page goes away; each request carries an id its reply repeats. */
export function serveCompute(port: Port, host: PageHost): void {
  const models = new Map<string, tf.LayersModel>();
  const model = (name: string) => {
    const m = models.get(name);
    if (!m) throw new Error(`No model "${name}" is loaded in the compute page`);
    return m;
  };
  const handle = async (req: ComputeRequest): Promise<unknown> => {
    switch (req.kind) {
      case 'probe':
        return host.probe();
      case 'use':
        return host.use(req.backend);
      case 'load': {
        models.get(req.name)?.dispose();
        models.delete(req.name);
        models.set(req.name, await modelFromFiles(req.files, req.purpose, req.name));
        return null;
      }
      case 'recognize': {
        const start = performance.now();
        const probabilities = await recognize(model(req.name), req.spec, req.pixels);
        return { probabilities, ms: performance.now() - start };
      }
      case 'trainSteps':
        return trainSteps(model(req.name), req);
      case 'dispose':
        models.get(req.name)?.dispose();
        models.delete(req.name);
        return null;
    }
  };
  // One request at a time: tfjs's backend is global state, and a switch mid-request would mix them.
  let queue: Promise<void> = Promise.resolve();
  port.addEventListener('message', (e) => {
    const { id, ...req } = e.data as ComputeRequest & { id: number };
    queue = queue.then(async () => {
      try {
        const value = await handle(req as ComputeRequest);
        port.postMessage({ id, ok: true, value } satisfies ComputeReply, buffersOf(value));
      } catch (err) {
        port.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ComputeReply);
      }
    });
  });
  port.start();
}
