// The compute page's side of its MessagePort: requests in, replies out, bulk data as transferred
// buffers (pixels and weights in, probabilities out), never copied through JSON.
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../backends/wasm-training-kernels.ts';
import { scoreBatch, type ScoreSpec } from '../models/scores.ts';
import type { Adapter, ComputeBackend } from './choose.ts';
import { modelFromFiles, trainSteps, type ModelFiles, type TrainStepsRequest } from './engine.ts';
import { measureBackend, type MeasureOptions } from './measure.ts';
import { raced, type LossWatch } from './gpu-loss.ts';
import { TrainSession, type SessionCall } from './session.ts';
import { toSentError, type SentError } from '../../shared/errors.ts';

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
  | { kind: 'weights'; name: string }
  /** A training run on Node whose batches compute here, one call a request (session.ts). */
  | { kind: 'session'; name: string; call: SessionCall }
  /** Times a backend (measure.ts) with this MobileNet; the page ends on that backend. */
  | { kind: 'measure'; backend: PageBackend; mobilenet: ModelFiles; spec: ScoreSpec; options?: MeasureOptions }
  | { kind: 'dispose'; name: string }
  /** The names of the models the page holds (sessions' aside). */
  | { kind: 'models' };

/** A failure's reply: its message, and the code of a coded one (a lost GPU), which main's log lines word. */
export type ComputeReply = { id: number; ok: true; value: unknown } | ({ id: number; ok: false } & SentError);

/** What only the page can do: look at its GPU adapters, switch tfjs's backend, notice a GPU going. */
export interface PageHost {
  probe(): Promise<BackendProbe[]>;
  use(backend: PageBackend): Promise<void>;
  /** Whether the backend in use lost its GPU (a lost WebGL context or WebGPU device); wasm and cpu never do. */
  watch(): LossWatch;
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
        await host.use(req.backend);
        // wasm lacks convolution gradients: the Node path's kernels, once wasm has started.
        if (req.backend === 'wasm') registerWasmTrainingKernels();
        return null;
      case 'load': {
        forget(req.name);
        // Raced with the loss as a session's reads are (session.ts): a lost GPU answers at once, coded.
        models.set(req.name, await raced(host.watch(), () => modelFromFiles(req.files, req.purpose, req.name)));
        return null;
      }
      case 'recognize': {
        const start = performance.now();
        const m = model(req.name);
        const scores = await raced(host.watch(), () => scoreBatch(m, req.spec, req.pixels));
        const probabilities = scores.map((s) => s.probabilities);
        // A class range (a view's breeds): each picture's share of the whole probability too.
        const rangeShares = req.spec.classRange ? scores.map((s) => s.rangeShare!) : undefined;
        // The backend that computed these, in the reply itself: two requests in flight cannot
        // label each other's answers, and a page that switched backends says so.
        const backend = tf.getBackend() as PageBackend;
        return { probabilities, ...(rangeShares ? { rangeShares } : {}), ms: performance.now() - start, backend };
      }
      case 'trainSteps':
        return trainSteps(model(req.name), req);
      case 'measure': {
        await host.use(req.backend);
        if (req.backend === 'wasm') registerWasmTrainingKernels();
        // A backend whose GPU went fails its measure at once rather than hold it forever.
        const watch = host.watch();
        const mobilenet = await raced(watch, () => modelFromFiles(req.mobilenet, 'inference', 'mobilenet'));
        try {
          return await raced(watch, () => measureBackend(mobilenet, req.spec, req.options));
        } finally {
          mobilenet.dispose();
        }
      }
      case 'weights':
        return Promise.all(
          model(req.name)
            .getWeights()
            .map(async (w) => Float32Array.from(await w.data())),
        );
      case 'dispose':
        forget(req.name);
        return null;
      case 'models':
        return [...models.keys()];
      case 'session':
        return session(req.name, req.call);
    }
  };
  const sessions = new Map<string, TrainSession>();
  const session = async (name: string, call: SessionCall): Promise<unknown> => {
    if (call.op === 'begin') {
      sessions.get(name)?.dispose();
      sessions.delete(name);
      if (tf.getBackend() !== call.spec.backend) await host.use(call.spec.backend);
      sessions.set(name, await TrainSession.begin(call.spec, host.watch(), name));
      return { backend: tf.getBackend() };
    }
    const s = sessions.get(name);
    if (!s) throw new Error(`No training session "${name}" in the compute page`);
    switch (call.op) {
      case 'step':
        return s.step(call.batch);
      case 'measure':
        return s.measure(call.batch);
      case 'learning-rate':
        return s.setLearningRate(call.lr);
      case 'weights':
        return s.weights();
      case 'end':
        s.dispose();
        sessions.delete(name);
        return null;
    }
  };
  const forget = (name: string) => {
    models.get(name)?.dispose();
    models.delete(name);
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
        port.postMessage({ id, ok: false, ...toSentError(err) } satisfies ComputeReply);
      }
    });
  });
  port.start();
}
