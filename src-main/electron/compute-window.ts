// The hidden compute window: a sandboxed page with no UI running tfjs on WebGL, WebGPU or wasm,
// reached only through a MessagePort (core/compute/client.ts speaks its protocol).
import path from 'node:path';
import { BrowserWindow, MessageChannelMain } from 'electron';
import { ComputeClient } from '../core/compute/client.ts';
import { COMPUTE_PAGE } from './renderer-files.ts';
import { RENDERER_HOST, RENDERER_SCHEME } from './renderer-origin.ts';

export interface ComputeWindow {
  window: BrowserWindow;
  client: ComputeClient;
}

/** The page's URL: the dev server's in development, the app scheme's otherwise. */
export function computePageUrl(devUrl: string | undefined): string {
  return devUrl ? new URL(COMPUTE_PAGE, devUrl).href : `${RENDERER_SCHEME}://${RENDERER_HOST}/${COMPUTE_PAGE}`;
}

export async function openComputeWindow(preloadDir: string, devUrl: string | undefined): Promise<ComputeWindow> {
  const window = new BrowserWindow({
    show: false,
    title: 'Classifier Studio compute',
    webPreferences: {
      preload: path.join(preloadDir, 'compute.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // A hidden window is throttled like a background tab: its timers (which tfjs's WebGL reads
      // poll with) would slow to once a second.
      backgroundThrottling: false,
    },
  });
  await window.loadURL(computePageUrl(devUrl));
  const { port1, port2 } = new MessageChannelMain();
  window.webContents.postMessage('compute-port', null, [port2]);
  const client = new ComputeClient(port1);
  // A crashed page closes nothing by itself: what waits on it is told.
  window.webContents.on('render-process-gone', () => client.close());
  window.on('closed', () => client.close());
  return { window, client };
}
