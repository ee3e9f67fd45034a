// The compute page's server (core/compute/port.ts) over Node's MessageChannel, for tests that need
// the page's real request handling without Chromium: tfjs in this process stands in for the GPU.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ComputeClient, type MainPort } from '../../src-main/core/compute/client.ts';
import { serveCompute, type PageHost, type Port } from '../../src-main/core/compute/port.ts';
import { memoryImageSet, type ImageSet } from '../../src-main/core/datasets/types.ts';

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
export function quietHost(lost: () => string | undefined = () => undefined): PageHost {
  return { probe: async () => [], use: async () => undefined, watch: () => ({ now: lost, next: new Promise(() => {}) }) };
}

/** The page served with `host` on one end of a channel, and main's client on the other. */
export function pageOverChannel(host: PageHost = quietHost(), options?: ConstructorParameters<typeof ComputeClient>[1]): { client: ComputeClient; channel: MessageChannel } {
  const channel = new MessageChannel();
  serveCompute(channel.port2 as unknown as Port, host);
  return { client: new ComputeClient(asMainPort(channel.port1), options), channel };
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
