// The compute page driven from a test: connect() gives the page its port with a caller in the page
// (window.__call, __load, __measure, __recognize, __train), and
// pageSideOf() is the chooser's view of that page, MobileNet's files sent as main would send them;
// mainPortOf() bridges the page's port to a ComputeClient in the test, as main holds it.
import { chromium, type Browser, type Page } from 'playwright-core';
import type { MainPort } from '../../src-main/core/compute/client.ts';
import type { ModelFiles } from '../../src-main/core/compute/engine.ts';
import type { Figures } from '../../src-main/core/compute/measure.ts';
import type { PageSide } from '../../src-main/core/compute/measure-all.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';

// Found on Debian's Chromium 156: WebGPU needs both switches (and a secure context: http://127.0.0.1
// is one); --use-angle=swiftshader keeps WebGL on SwiftShader where there is no GPU.
export const GPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader'];

/** Chromium for the compute page: the GPU switches (SwiftShader unless others are given), headless unless `headed`. */
export function launchForCompute(executablePath: string, { gpuArgs = GPU_ARGS, headed = false } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [...(headed ? [] : ['--headless']), '--no-sandbox', '--disable-background-networking', '--disable-component-update', ...gpuArgs],
    headless: !headed,
  });
}

export const b64 = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Gives the page its port and a caller on the other end; big inputs go as base64 and are transferred. */
export async function connect(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'compute ready');
  await page.evaluate(() => {
    // Runs in the page (this file is type-checked without DOM types).
    const w = globalThis as unknown as Record<string, unknown> & { postMessage(m: unknown, origin: string, transfer: unknown[]): void; location: { origin: string } };
    const channel = new MessageChannel();
    const waiting = new Map<number, (r: { ok: boolean; value?: unknown; error?: string }) => void>();
    let next = 0;
    (channel.port1 as unknown as { onmessage(e: { data: { id: number; ok: boolean } }): void }).onmessage = (e) => waiting.get(e.data.id)?.(e.data);
    const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const call = (req: Record<string, unknown>, transfer: ArrayBuffer[] = []) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, (r) => (r.ok ? resolve(r.value) : reject(new Error(r.error))));
        channel.port1.postMessage({ ...req, id }, transfer);
      });
    w.__call = call;
    // Fetches a model folder's files and sends them over the port as transferred buffers.
    const fetchFiles = async (url: string) => {
      const json = await (await fetch(`${url}/model.json`)).text();
      const paths = (JSON.parse(json).weightsManifest as { paths: string[] }[]).flatMap((g) => g.paths);
      const shards = await Promise.all(paths.map(async (p) => new Uint8Array(await (await fetch(`${url}/${p}`)).arrayBuffer())));
      return { json, shards };
    };
    w.__measure = async (backend: string, url: string, spec: unknown, options: unknown) => {
      const mobilenet = await fetchFiles(url);
      return call(
        { kind: 'measure', backend, mobilenet, spec, options },
        mobilenet.shards.map((s) => s.buffer as ArrayBuffer),
      );
    };
    w.__measureInline = (backend: string, files: { json: string; shards: string[] }, spec: unknown, options: unknown) => {
      const mobilenet = { json: files.json, shards: files.shards.map(bytes) };
      return call(
        { kind: 'measure', backend, mobilenet, spec, options },
        mobilenet.shards.map((s) => s.buffer as ArrayBuffer),
      );
    };
    w.__load = async (name: string, url: string, purpose: string, inline?: { json: string; shard: string }) => {
      const files = inline ? { json: inline.json, shards: [bytes(inline.shard)] } : await fetchFiles(url);
      return call(
        { kind: 'load', name, purpose, files },
        files.shards.map((s) => s.buffer as ArrayBuffer),
      );
    };
    w.__recognize = (name: string, spec: unknown, pixels: string[]) => {
      const arrays = pixels.map(bytes);
      return call(
        { kind: 'recognize', name, spec, pixels: arrays },
        arrays.map((a) => a.buffer as ArrayBuffer),
      );
    };
    const batch = (b: { x: string; y: number[] }) => ({ x: bytes(b.x), y: Int32Array.from(b.y) });
    w.__train = (name: string, req: Record<string, unknown>, batches: { x: string; y: number[] }[]) => call({ kind: 'trainSteps', name, ...req, batches: batches.map(batch) });
    w.postMessage('compute-port', w.location.origin, [channel.port2]);
  });
}

/** The chooser's view of a connected page: probe, use, and measure with the files it is given. */
export function pageSideOf(page: Page): PageSide {
  const call = <T>(req: Record<string, unknown>) => page.evaluate((r) => (globalThis as unknown as { __call(r: unknown): Promise<unknown> }).__call(r), req) as Promise<T>;
  return {
    probe: () => call<BackendProbe[]>({ kind: 'probe' }),
    use: (backend) => call({ kind: 'use', backend }),
    measure: (backend, files: ModelFiles, spec, options) =>
      page.evaluate(([b, f, s, o]) => (globalThis as unknown as { __measureInline(...a: unknown[]): Promise<unknown> }).__measureInline(b, f, s, o), [
        backend,
        { json: files.json, shards: files.shards.map(b64) },
        spec,
        options,
      ] as const) as Promise<Figures>,
  };
}

type Tagged = { __typed: string; b64: string };

/** Typed arrays as tagged base64 (page.evaluate and exposed functions carry JSON only), both ways. */
function encode(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return { __typed: v.constructor.name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } satisfies Tagged;
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const t = v as Tagged;
    if (typeof t.__typed === 'string') {
      const bytes = Buffer.from(t.b64, 'base64');
      const Ctor = (globalThis as unknown as Record<string, new (b: ArrayBuffer) => unknown>)[t.__typed]!;
      return new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/**
 * The page's port as main holds it (Electron's MessagePortMain), for a ComputeClient in the test:
 * messages cross into the page by page.evaluate and out of it by an exposed function; the page
 * closing closes the port, as the compute window going does.
 */
export async function mainPortOf(page: Page): Promise<MainPort> {
  const messageListeners: ((e: { data: unknown }) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
  };
  page.on('close', close);
  page.on('crash', close);
  await page.exposeFunction('__toMain', (m: unknown) => {
    for (const l of messageListeners) l({ data: decode(m) });
  });
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'compute ready');
  await page.evaluate(() => {
    // Runs in the page (this file is type-checked without DOM types).
    const w = globalThis as unknown as Record<string, unknown> & {
      __toMain(m: unknown): void;
      postMessage(m: unknown, origin: string, transfer: unknown[]): void;
      location: { origin: string };
    };
    const toB64 = (a: ArrayBufferView) => {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const enc = (v: unknown): unknown =>
      ArrayBuffer.isView(v)
        ? { __typed: v.constructor.name, b64: toB64(v) }
        : Array.isArray(v)
          ? v.map(enc)
          : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]))
            : v;
    const dec = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(dec);
      if (v && typeof v === 'object') {
        const t = v as { __typed?: string; b64: string };
        if (typeof t.__typed === 'string') {
          const bytes = Uint8Array.from(atob(t.b64), (c) => c.charCodeAt(0));
          return new (w[t.__typed] as new (b: ArrayBuffer) => unknown)(bytes.buffer);
        }
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]));
      }
      return v;
    };
    const channel = new MessageChannel();
    (channel.port1 as unknown as { onmessage(e: { data: unknown }): void }).onmessage = (e) => w.__toMain(enc(e.data));
    w.__fromMain = (m: unknown) => channel.port1.postMessage(dec(m));
    w.postMessage('compute-port', w.location.origin, [channel.port2]);
  });
  return {
    postMessage: (m) => void page.evaluate((x) => (globalThis as unknown as { __fromMain(m: unknown): void }).__fromMain(x), encode(m)).catch(close),
    on: ((event: 'message' | 'close', listener: (e: { data: unknown }) => void) =>
      event === 'message' ? messageListeners.push(listener) : closeListeners.push(listener as () => void)) as MainPort['on'],
    start: () => undefined,
    close: () => void page.close().catch(() => undefined),
  };
}

/** Records every GL context the page makes, so a test can lose them (its WEBGL_lose_context); an init script, before the page's own. */
export const RECORD_GL = `
  globalThis.__glContexts = [];
  for (const C of [HTMLCanvasElement, OffscreenCanvas]) {
    const get = C.prototype.getContext;
    C.prototype.getContext = function (type, ...rest) {
      const ctx = get.call(this, type, ...rest);
      if (ctx && String(type).startsWith('webgl')) globalThis.__glContexts.push(ctx);
      return ctx;
    };
  }`;
