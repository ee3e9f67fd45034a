// The main process's side of the compute page's port (port.ts): requests out, replies in. No Electron import: the port is anything shaped like Electron's MessagePortMain, so tests
// drive it over Node's MessageChannel. Electron's MessagePortMain transfers only ports, not
// buffers; bulk data is copied once on its way into the page.
import type { ScoreSpec } from '../models/scores.ts';
import { CodedError, fromSentError } from '../../shared/errors.ts';
import type { ModelFiles, TrainStepsRequest } from './engine.ts';
import { lostBackend, type GpuLoss } from './gpu-loss.ts';
import type { Figures, MeasureOptions } from './measure.ts';
import type { BackendProbe, ComputeReply, ComputeRequest, PageBackend } from './port.ts';
import type { SessionAnswers, SessionCall } from './session.ts';
import { GENEROUS_LIMITS, isCleanup, limitOf, PageStalled, type WatchdogLimits } from './watchdog.ts';

/** What the client needs of Electron's MessagePortMain (and of a test's stand-in). */
export interface MainPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: Error): void;
  kind: string;
  /** The silence it is allowed (watchdog.ts). */
  limit: number;
}

export interface ClientOptions {
  /** How long the page may stay silent, by the work asked (tests shorten them). */
  limits?: WatchdogLimits;
}

export class ComputeClient {
  private readonly waiting = new Map<number, Waiting>();
  private next = 1;
  private closed?: Error;
  private readonly limits: WatchdogLimits;
  /** When the page last said anything (or was first asked something after a quiet spell). */
  private lastHeard = 0;
  private timer?: ReturnType<typeof setTimeout>;
  /**
   * After a stall: the requests the page still owes an answer. Until it gives them all (it woke
   * up), new requests fail at once rather than queue behind the stuck one.
   */
  private stalled?: { owed: Set<number>; error: PageStalled };
  /**
   * The page's GPU backends that reported their GPU lost, and how. tfjs never restores a lost
   * context or device, so a backend lost stays lost as long as this page lives (a restart opens a new one).
   */
  private readonly lost = new Map<'webgl' | 'webgpu', GpuLoss>();

  constructor(
    private readonly port: MainPort,
    options: ClientOptions = {},
  ) {
    this.limits = options.limits ?? GENEROUS_LIMITS;
    port.on('message', (e) => this.receive(e.data as ComputeReply));
    port.on('close', () => this.fail(new CodedError('compute-window-gone', 'The compute window went away')));
    port.start();
  }

  probe(): Promise<BackendProbe[]> {
    return this.call({ kind: 'probe' });
  }

  use(backend: PageBackend): Promise<void> {
    return this.call({ kind: 'use', backend });
  }

  load(name: string, files: ModelFiles, purpose: 'inference' | 'training'): Promise<void> {
    return this.call({ kind: 'load', name, files, purpose });
  }

  /**
   * Probabilities of each picture and, with a class range in `spec`, each one's share of the whole;
   * `backend` is the one that computed them.
   */
  recognize(name: string, spec: ScoreSpec, pixels: Uint8Array[]): Promise<{ probabilities: Float32Array[]; rangeShares?: number[]; ms: number; backend: PageBackend }> {
    return this.call({ kind: 'recognize', name, spec, pixels });
  }

  trainSteps(name: string, req: TrainStepsRequest): Promise<{ losses: number[]; accuracies: number[]; ms: number[] }> {
    return this.call({ kind: 'trainSteps', name, ...req });
  }

  /** Times `backend` in the page (measure.ts); the page computes with it afterwards. */
  measure(backend: PageBackend, mobilenet: ModelFiles, spec: ScoreSpec, options?: MeasureOptions): Promise<Figures> {
    return this.call({ kind: 'measure', backend, mobilenet, spec, ...(options ? { options } : {}) });
  }

  weights(name: string): Promise<Float32Array[]> {
    return this.call({ kind: 'weights', name });
  }

  /** One call of a training session (session.ts): a run on Node whose batches compute in the page. */
  session<C extends SessionCall>(name: string, call: C): Promise<SessionAnswers[C['op']]> {
    return this.call({ kind: 'session', name, call });
  }

  /** The names of the models the page holds. */
  models(): Promise<string[]> {
    return this.call({ kind: 'models' });
  }

  dispose(name: string): Promise<void> {
    return this.call({ kind: 'dispose', name });
  }

  close(): void {
    this.fail(new CodedError('compute-client-closed', 'The compute client was closed'));
    this.port.close();
  }

  /** How `backend` lost its GPU in this page, if it did: routing keeps off it (page-route.ts). */
  lostGpu(backend: PageBackend): GpuLoss | undefined {
    return backend === 'webgl' || backend === 'webgpu' ? this.lost.get(backend) : undefined;
  }

  /** Whether the page is stalled now (it owes answers past their limits). */
  isStalled(): boolean {
    return !!this.stalled;
  }

  private call<T>(req: ComputeRequest): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.next++;
    if (this.stalled) {
      if (!isCleanup(req)) return Promise.reject(this.stalled.error);
      // Freed when the page wakes; nobody waits for it meanwhile.
      this.port.postMessage({ ...req, id });
      return Promise.resolve(undefined as T);
    }
    return new Promise<T>((resolve, reject) => {
      if (!this.waiting.size) this.lastHeard = Date.now();
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, kind: req.kind, limit: limitOf(req, this.limits) });
      this.port.postMessage({ ...req, id });
      this.arm();
    });
  }

  /**
   * Times the oldest request: the page serves one at a time in order, so it is the one the page
   * works on, and the ones behind it wait their turn without being charged for it.
   */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const oldest = this.waiting.values().next().value;
    if (!oldest) return;
    const wait = Math.max(0, this.lastHeard + oldest.limit - Date.now());
    this.timer = setTimeout(() => this.stall(new PageStalled(oldest.kind, oldest.limit)), wait);
    // A watchdog alone must not keep a process (the CLI's, a test's) alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private stall(error: PageStalled): void {
    this.stalled = { owed: new Set(this.waiting.keys()), error };
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.timer = undefined;
    for (const w of waiting) w.reject(error);
  }

  private receive(message: ComputeReply): void {
    this.lastHeard = Date.now();
    if (this.stalled) {
      this.stalled.owed.delete(message.id);
      // Every answer it owed came late: the page is back, and is asked again.
      if (!this.stalled.owed.size) this.stalled = undefined;
    }
    const waiting = this.waiting.get(message.id);
    if (waiting) {
      this.waiting.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      // A coded reason (a lost GPU) keeps its code; any other error of the page is its message.
      else waiting.reject(fromSentError(message));
    }
    // Whichever request heard of it first (a recognition, a load, a training step), the backend is lost.
    if (!message.ok && message.code) {
      const backend = lostBackend(message.code);
      if (backend && !this.lost.has(backend)) this.lost.set(backend, new CodedError(message.code, message.error, message.params));
    }
    this.arm();
  }

  private fail(err: Error): void {
    this.closed ??= err;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
