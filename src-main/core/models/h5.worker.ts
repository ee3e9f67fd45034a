// The HDF5 reader thread (see h5-reader.ts): reads Keras files with h5wasm on request.
//
// What h5wasm prints never reaches stdout or stderr: it goes to the request being read, and into
// a failed read's error message (h5-diagnostics.ts). It prints two ways:
// - The HDF5 library's error stacks ("HDF5-DIAG: Error detected in HDF5 ...") are C writes to
//   file descriptor 2, which h5wasm's emscripten file system (NODERAWFS) passes to the process's
//   own stderr with fs.writeSync, whatever thread it runs on: FS.write is wrapped below.
// - Emscripten's warnings ("Invalid UTF-8 leading byte ...") go to its print and printErr, which
//   are console.log and console.error as they were when h5wasm/node was first imported (it starts
//   its emscripten module itself, so none can be handed to it): the two console methods are
//   replaced while h5wasm loads, then put back, so that h5wasm alone keeps ours.
import { format } from 'node:util';
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from '../threads.ts';
import { withH5Output } from './h5-diagnostics.ts';
import type { H5Request } from './h5-reader.ts';

/** What h5wasm printed during the request being answered; undefined between requests. */
let printed: string | undefined;

const console_ = { log: console.log, error: console.error };
const capture =
  (original: (...args: unknown[]) => void) =>
  (...args: unknown[]) => {
    if (printed === undefined) original(...args);
    else printed += `${format(...args)}\n`;
  };
console.log = capture(console_.log);
console.error = capture(console_.error);
let keras: typeof import('./h5-file.ts');
let module: unknown;
try {
  keras = await import('./h5-file.ts');
  module = await (await import('h5wasm/node')).default.ready;
} finally {
  Object.assign(console, console_);
}

interface EmscriptenStream {
  fd: number;
}
type Write = (stream: EmscriptenStream, buffer: Int8Array | Uint8Array, offset: number, length: number, ...rest: unknown[]) => number;
const fs = (module as { FS: { write: Write } }).FS;
const write = fs.write;
const decoder = new TextDecoder();
fs.write = (stream, buffer, offset, length, ...rest) => {
  if (printed === undefined || (stream.fd !== 1 && stream.fd !== 2)) return write(stream, buffer, offset, length, ...rest);
  printed += decoder.decode(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length));
  return length;
};

const port = parentPort!;
// One request at a time, so that what h5wasm prints is the request's own.
let queue = Promise.resolve();
port.on('message', (req: H5Request) => void (queue = queue.then(() => answer(req))));

async function answer(req: H5Request): Promise<void> {
  const { id, op, file } = req;
  printed = '';
  try {
    if (op === 'config') return void port.postMessage({ id, ok: true, value: await keras.readModelConfigInThread(file) } satisfies WorkerReply);
    if (op === 'shapes') return void port.postMessage({ id, ok: true, value: [...(await keras.readKerasWeightShapesInThread(file)).entries()] } satisfies WorkerReply);
    if (op === 'wanted') {
      const values = await keras.readWantedWeightsInThread(file, req.wanted);
      return void port.postMessage(
        { id, ok: true, value: values } satisfies WorkerReply,
        values.map((v) => v.buffer as ArrayBuffer),
      );
    }
    const entries = [...(await (op === 'vars' ? keras.readKeras3VarsInThread(file) : keras.readKerasWeightsInThread(file))).entries()];
    const buffers = entries.flatMap(([, ws]) => ws.map((w) => w.values.buffer as ArrayBuffer));
    port.postMessage({ id, ok: true, value: entries } satisfies WorkerReply, buffers);
  } catch (err) {
    port.postMessage({ id, ok: false, error: withH5Output(err instanceof Error ? err.message : String(err), printed) } satisfies WorkerReply);
  } finally {
    printed = undefined;
  }
}
