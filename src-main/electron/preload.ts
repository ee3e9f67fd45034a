// The renderer's only door to the app: a typed window.api over ipcRenderer.invoke.
import { contextBridge, ipcRenderer } from 'electron';
import { channels, type Api, type Reply } from '../contract.ts';

async function call<T>(channel: string, payload?: unknown): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, payload)) as Reply<T>;
  if (!reply.ok) throw new Error(reply.error);
  return reply.value;
}

const api: Api = {
  appInfo: () => call(channels.appInfo),
  listModels: () => call(channels.listModels),
  recognize: (req) => call(channels.recognize, req),
  openImageDialog: () => call(channels.openImageDialog),
};

contextBridge.exposeInMainWorld('api', api);
