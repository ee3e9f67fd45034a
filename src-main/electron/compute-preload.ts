// The hidden compute window's preload, and all of it: main's MessagePort, handed on to the page.
// No API is exposed; the page talks only over that port.
import { ipcRenderer } from 'electron';

// The preload is type-checked with Node's types, not the DOM's.
const page = globalThis as unknown as { postMessage(message: string, origin: string, transfer: unknown[]): void; location: { origin: string } };

ipcRenderer.once('compute-port', (e) => {
  // The page takes the port only from its own origin, once (src-renderer/compute/main.ts).
  page.postMessage('compute-port', page.location.origin, e.ports);
});
