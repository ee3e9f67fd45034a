// The renderer's only door to the app: a typed window.api over ipcRenderer, and main's events.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channels, errorMessageOf, type Api, type Reply, type StudioEvent } from '../contract.ts';

async function call<T>(channel: string, payload?: unknown): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, payload)) as Reply<T>;
  if (!reply.ok) throw new Error(errorMessageOf(reply));
  return reply.value;
}

const api: Api = {
  appInfo: () => call(channels.appInfo),
  computeFigures: () => call(channels.computeFigures),
  measureCompute: () => call(channels.measureCompute),
  listModels: () => call(channels.listModels),
  recognize: (req) => call(channels.recognize, req),
  explain: (req) => call(channels.explain, req),
  modelSummary: (model) => call(channels.modelSummary, model),
  featureMaps: (req) => call(channels.featureMaps, req),
  preview: (file) => call(channels.preview, file),
  recentFiles: () => call(channels.recentFiles),
  openImageDialog: () => call(channels.openImageDialog),
  openFolderDialog: (purpose) => call(channels.openFolderDialog, purpose),
  recognizeFolder: (req) => call(channels.recognizeFolder, req),
  cancelFolder: (id) => call(channels.cancelFolder, id),
  saveCsv: (req) => call(channels.saveCsv, req),
  startTraining: (req) => call(channels.startTraining, req),
  resumeTraining: (req) => call(channels.resumeTraining, req),
  augmentPreview: (req) => call(channels.augmentPreview, req),
  cancelTraining: (id) => call(channels.cancelTraining, id),
  storedModels: () => call(channels.storedModels),
  renameModel: (req) => call(channels.renameModel, req),
  deleteModel: (name) => call(channels.deleteModel, name),
  revealModel: (name) => call(channels.revealModel, name),
  evaluation: (req) => call(channels.evaluation, req),
  exportModel: (req) => call(channels.exportModel, req),
  importModel: (req) => call(channels.importModel, req),
  downloadModel: (req) => call(channels.downloadModel, req),
  cancelModelDownload: (id) => call(channels.cancelModelDownload, id),
  importZooModel: (model) => call(channels.importZooModel, model),
  buildDogBreeds: (req) => call(channels.buildDogBreeds, req),
  dogBreedsPlan: () => call(channels.dogBreedsPlan),
  listDatasets: () => call(channels.listDatasets),
  createDataset: (name) => call(channels.createDataset, name),
  showDataset: (dir) => call(channels.showDataset, dir),
  datasetImages: (req) => call(channels.datasetImages, req),
  datasetThumbnails: (req) => call(channels.datasetThumbnails, req),
  datasetImage: (req) => call(channels.datasetImage, req),
  addFilesToDataset: (req) => call(channels.addFilesToDataset, req),
  addBytesToDataset: (req) => call(channels.addBytesToDataset, req),
  removeFromDataset: (req) => call(channels.removeFromDataset, req),
  moveInDataset: (req) => call(channels.moveInDataset, req),
  createClass: (req) => call(channels.createClass, req),
  renameClass: (req) => call(channels.renameClass, req),
  deleteClass: (req) => call(channels.deleteClass, req),
  onEvent: (listener) => {
    const wrapped = (_: IpcRendererEvent, e: StudioEvent) => listener(e);
    ipcRenderer.on(channels.event, wrapped);
    return () => void ipcRenderer.removeListener(channels.event, wrapped);
  },
};

contextBridge.exposeInMainWorld('api', api);
