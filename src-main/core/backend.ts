// One place decides which TensorFlow.js backend computes: the native ones when their
// libraries are present, then wasm, then plain JavaScript. Everything else asks here.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CodedError } from '../shared/errors.ts';
import { patchForWasmThreads, wantedWasmThreads } from './backends/wasm-threads.ts';

export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendId = (typeof BACKENDS)[number];

/**
 * A browser's GPU backends: the app's hidden compute window has them (electron/compute-window.ts);
 * Node, so the command line and the app's worker threads, has not.
 */
export const PAGE_GPU_BACKENDS = ['webgpu', 'webgl'] as const;
export type PageGpuBackend = (typeof PAGE_GPU_BACKENDS)[number];

export function isPageGpuBackend(name: string): name is PageGpuBackend {
  return (PAGE_GPU_BACKENDS as readonly string[]).includes(name.trim().toLowerCase());
}

/** Why webgl or webgpu cannot be had here; the CLI prints it, the window says it in its language. */
export function needsAppError(name: PageGpuBackend): CodedError {
  const choices = BACKENDS.join(', ');
  return new CodedError(
    'backend-needs-app',
    `${name} computes in the app's hidden compute window, and the command line has no window. Start the app with CLASSIFIER_BACKEND=${name}, or choose one of: ${choices}.`,
    { backend: name, choices },
  );
}

export interface BackendAttempt {
  backend: BackendId;
  ok: boolean;
  reason?: string;
}

export interface BackendReport {
  backend: BackendId;
  /** Every backend considered, in order, with why it was skipped. */
  attempts: BackendAttempt[];
  /** Set when the choice came from --backend or CLASSIFIER_BACKEND. */
  requested?: BackendId;
  /** Threads the wasm backend computes with. */
  threads?: number;
}

const ALIASES: Record<string, BackendId> = {
  gpu: 'tfjs-node-gpu',
  'node-gpu': 'tfjs-node-gpu',
  'tfjs-node-gpu': 'tfjs-node-gpu',
  node: 'tfjs-node',
  tensorflow: 'tfjs-node',
  'tfjs-node': 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function parseBackend(name: string): BackendId {
  const wanted = name.trim().toLowerCase();
  if (isPageGpuBackend(wanted)) throw needsAppError(wanted);
  const id = ALIASES[wanted];
  if (!id) throw new Error(`Unknown backend "${name}". Choose one of: ${BACKENDS.join(', ')}.`);
  return id;
}

// Not named `require`: electron-vite adds its own `const require` to every built ESM chunk that
// calls require(), and a second declaration in the same chunk is a SyntaxError that stops the app.
const nodeRequire = createRequire(import.meta.url);
let current: Promise<BackendReport> | undefined;

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}

function isMissingModule(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && (e.message ?? '').includes(`'${name}'`);
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | undefined> {
  try {
    // The native packages register a backend called "tensorflow" on the shared tfjs-core.
    nodeRequire(pkg);
  } catch (err) {
    return isMissingModule(err, pkg) ? `${pkg} is not installed` : `${pkg} failed to load: ${message(err)}`;
  }
  if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not initialise`;
  return undefined;
}

/** The folder holding tfjs-backend-wasm's .wasm binaries, for setWasmPaths. */
export function wasmDir(): string {
  return path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

/**
 * XNNPACK's pool threads wait for work forever, and Emscripten keeps their workers referenced,
 * which would keep every command-line run alive after its work is done.
 */
function letThreadsIdle(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: { unref(): void }[] } } }).wasm;
  for (const worker of module?.PThread?.runningWorkers ?? []) worker.unref();
}

async function tryWasm(): Promise<string | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDir() + path.sep);
    const threads = wantedWasmThreads();
    if (threads > 1) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
    }
    const restore = threads > 1 ? patchForWasmThreads(threads) : () => {};
    try {
      if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
      if (threads > 1) letThreadsIdle();
    } finally {
      restore();
    }
    return undefined;
  } catch (err) {
    return `wasm failed: ${message(err)}`;
  }
}

async function tryBackend(id: BackendId): Promise<string | undefined> {
  switch (id) {
    case 'tfjs-node-gpu':
      return tryNative('@tensorflow/tfjs-node-gpu');
    case 'tfjs-node':
      return tryNative('@tensorflow/tfjs-node');
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return (await tf.setBackend('cpu')) ? undefined : 'the cpu backend did not initialise';
  }
}

async function select(requested?: BackendId): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  const order = requested ? [requested] : [...BACKENDS];
  for (const id of order) {
    const reason = await tryBackend(id);
    attempts.push(reason ? { backend: id, ok: false, reason } : { backend: id, ok: true });
    if (!reason) {
      await tf.ready();
      const threads = id === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : undefined;
      return { backend: id, attempts, requested, ...(threads ? { threads } : {}) };
    }
  }
  const why = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(requested ? `Backend ${requested} is not available (${why})` : `No TensorFlow.js backend works (${why})`);
}

/**
 * Chooses the backend once per process. An explicit request (argument, then the
 * CLASSIFIER_BACKEND variable) must succeed; otherwise the first that works wins.
 */
export function initBackend(request?: string): Promise<BackendReport> {
  const name = request ?? process.env.CLASSIFIER_BACKEND;
  const requested = name && name !== 'auto' ? parseBackend(name) : undefined;
  if (current) {
    return current.then((report) => {
      if (requested && report.backend !== requested) {
        throw new Error(`Backend ${report.backend} is already in use in this process; cannot switch to ${requested}.`);
      }
      return report;
    });
  }
  current = select(requested);
  current.catch(() => (current = undefined));
  return current;
}

export function describeBackend(report: BackendReport): string {
  const skipped = report.attempts.filter((a) => !a.ok).map((a) => `${a.backend} (${a.reason})`);
  const name = report.threads && report.threads > 1 ? `${report.backend} (${report.threads} threads)` : report.backend;
  return skipped.length ? `${name}; skipped: ${skipped.join('; ')}` : name;
}
