// The compute page's server (core/compute/port.ts) over Node's MessageChannel, for tests that need
// the page's real request handling without Chromium: tfjs in this process stands in for the GPU.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Classifier } from '../../src-main/core/classifier.ts';
import { ComputeClient, type MainPort } from '../../src-main/core/compute/client.ts';
import { serveCompute, type PageHost, type Port } from '../../src-main/core/compute/port.ts';
import { GENEROUS_LIMITS, type WatchdogLimits } from '../../src-main/core/compute/watchdog.ts';
import type { GpuLoss } from '../../src-main/core/compute/gpu-loss.ts';
import type { PageClient, PageRoute } from '../../src-main/core/compute/page-route.ts';
import { memoryImageSet, type ImageSet } from '../../src-main/core/datasets/types.ts';
import { fashionCnn } from '../../src-main/core/models/classic.ts';
import { PageScoring } from '../../src-main/service/page-scoring.ts';
import type { LogLine } from '../../src-main/shared/log-messages.ts';

/** Node's MessagePort as Electron's MessagePortMain looks: on('message') with { data }. */
export function asMainPort(port: MessagePort): MainPort {
  return {
    postMessage: (m) => port.postMessage(m),
    on: (event: 'message' | 'close', listener: (e: { data: unknown }) => void) =>
      event === 'message' ? port.on('message', (data) => listener({ data })) : port.on('close', () => (listener as () => void)()),
    start: () => port.start(),
    close: () => port.close(),
  } as MainPort;
}

/** A page host on this process's backend; `lost()` says, at each read, whether its "GPU" is gone (and why). */
export function quietHost(lost: () => GpuLoss | undefined = () => undefined): PageHost {
  return { probe: async () => [], use: async () => undefined, watch: () => ({ now: lost, next: new Promise(() => {}) }) };
}

/** The page served with `host` on one end of a channel, and main's client on the other. */
export function pageOverChannel(host: PageHost = quietHost(), options?: ConstructorParameters<typeof ComputeClient>[1]): { client: ComputeClient; channel: MessageChannel } {
  const channel = new MessageChannel();
  serveCompute(channel.port2 as unknown as Port, host);
  return { client: new ComputeClient(asMainPort(channel.port1), options), channel };
}

/** A page served over a MessageChannel that, once `stall()`ed, holds every request until `wake()`. */
export function stallablePage(limits?: Partial<WatchdogLimits>) {
  const channel = new MessageChannel();
  let held: unknown[] | undefined;
  let serve: (e: { data: unknown }) => void = () => undefined;
  const page: Port = {
    postMessage: (m, transfer) => channel.port2.postMessage(m, transfer ?? []),
    addEventListener: (_type, listener) => {
      serve = listener;
      channel.port2.on('message', (data) => (held ? held.push(data) : listener({ data })));
    },
    start: () => channel.port2.start(),
  };
  serveCompute(page, quietHost());
  const client = new ComputeClient(asMainPort(channel.port1), { limits: { ...GENEROUS_LIMITS, ...limits } });
  return {
    client,
    stall: () => void (held ??= []),
    wake: () => {
      const late = held ?? [];
      held = undefined;
      for (const data of late) serve({ data });
    },
    close: () => {
      client.close();
      channel.port2.close();
    },
  };
}

/** Deterministic 28x28 pictures: class k is a bright k-th band on a dark ground, with noise. */
export function bandSet(n: number, seed: number): ImageSet {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 60;
  const x = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + seed) % 10;
    labels[i] = k;
    for (let p = 0; p < 784; p++) x[i * 784 + p] = Math.floor(rand() + (Math.floor(p / 28 / 2.8) === k ? 180 : 0));
  }
  return memoryImageSet({ x, labels, imageShape: [28, 28, 1], classNames: [...'0123456789'], description: { name: 'bands', source: 'test', format: 'memory' } });
}

/** A 28x28 grey classifier (the Fashion-MNIST CNN, untrained) scoring through `route`; the service's log lines go to `lines`. */
export function routedClassifier(route: PageRoute, lines: LogLine[], nodeBackend = 'wasm'): Classifier {
  const scoring = new PageScoring(
    (call) => route.score(call),
    async () => nodeBackend,
    (line) => lines.push(line),
  );
  const labels = [...'0123456789'].map((k) => ({ id: k, label: k }));
  const classifier = new Classifier(
    { id: 'cnn', name: 'cnn', inputSize: [28, 28], channels: 1, preprocessing: 'scale01', resize: 'area', fit: 'squash', invertLightBackground: false, labels },
    fashionCnn(),
  );
  scoring.attach('cnn', classifier);
  return classifier;
}

/** `client` as main's route sees it, each load and recognize it is asked noted in `asked`. */
export function countedPageClient(client: ComputeClient, asked: string[]): PageClient {
  return {
    load: (...a) => (asked.push('load'), client.load(...a)),
    recognize: (...a) => (asked.push('recognize'), client.recognize(...a)),
    dispose: (name) => client.dispose(name),
    lostGpu: (b) => client.lostGpu(b),
  };
}
