// Every request the window may make, checked against the contract and the user's grants, with
// no Electron import: ipc.ts carries these over ipcMain, and the e2e tests call the very same
// table from Chromium, so the two differ only in transport.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  BUILT_IN_DATASETS,
  DogBreedsBuildRequest,
  EvaluationRequest,
  ExplainRequest,
  FeatureMapsRequest,
  FolderPurpose,
  FolderRequest,
  JobId,
  ModelName,
  RecognizeRequest,
  RenameRequest,
  ResumeRequest,
  SaveCsvRequest,
  TrainRequest,
  type AppInfo,
  type Reply,
} from '../contract.ts';
import { checkName } from '../core/store/model-store.ts';
import { findModel, findView } from '../core/zoo/catalog.ts';
import type { StudioService } from '../service/studio.ts';
import { checkOwnDataset, datasetRequests } from './dataset-requests.ts';
import { modelRequests } from './model-requests.ts';
import { Grants, type Host, type Method, type ReplyOf, type Request } from './grants.ts';
import { redactPaths } from './redact-paths.ts';
import { badRequest } from './bad-request.ts';
import { CodedError, errorCodeOf, type ErrorParams } from '../shared/errors.ts';
import { DOG_BREEDS_MODEL } from '../shared/vocabulary.ts';

export { Grants, type Host, type Method, type ReplyOf, type Request } from './grants.ts';

/** Each handler's reply is checked by tsc against the contract. */
type Table = { [M in Method]: Request<z.ZodType, ReplyOf<M>> };

/**
 * The window names a zoo model or a stored one, never a path: the loader takes anything else as
 * a path, relative to main's working folder. A stored name obeys the store's rules (checkName).
 */
async function checkModel(model: string, service: StudioService): Promise<void> {
  // dog-breeds may be asked for before it is built: its ImageNet view answers, and says so.
  if (findModel(model) || findView(model) || model === DOG_BREEDS_MODEL) return;
  try {
    checkName(model);
  } catch {
    throw new CodedError('model-by-name', 'Models are chosen by name, not by path.');
  }
  if (!(await service.store.has(model))) throw new CodedError('model-missing', `There is no model "${model}".`, { name: model });
}
const fileNotChosen = () => new CodedError('file-not-chosen', 'That file was not chosen by the user.');
/** A photo named by path must be one the user chose (it then counts as a recent one). */
async function checkImage(image: RecognizeRequest['image'], grants: Grants): Promise<void> {
  if (typeof image !== 'string') return;
  if (!(await grants.file(image))) throw fileNotChosen();
  await grants.recents.add(image);
}
const checkDataset = (dataset: string, grants: Grants, service: StudioService) => {
  const builtIn = (BUILT_IN_DATASETS as readonly string[]).includes(dataset);
  if (!builtIn) checkOwnDataset(dataset, service.datasets, grants);
};
const none = z.undefined();
const req = <S extends z.ZodType, R>(schema: S, run: (payload: z.infer<S>) => Promise<R> | R): Request<S, R> => ({ schema, run });

export function requests(service: StudioService, host: Host, grants: Grants): Record<Method, Request> {
  return Object.fromEntries(Object.entries(table(service, host, grants)).map(([method, request]) => [method, shownToWindow(request, grants)])) as Record<Method, Request>;
}

/** A request whose error text holds no absolute path of main's, only the ones the user chose. */
function shownToWindow(request: Request, grants: Grants): Request {
  return {
    schema: request.schema,
    run: async (payload) => {
      try {
        return await request.run(payload);
      } catch (err) {
        const message = redactPaths(err instanceof Error ? err.message : String(err), await grants.all());
        const coded = errorCodeOf(err);
        if (!coded) throw new Error(message);
        // The values travel to the window as the message does: their paths are cut the same way.
        const keep = await grants.all();
        const params = Object.fromEntries(Object.entries(coded.params).map(([k, v]) => [k, typeof v === 'string' ? redactPaths(v, keep) : v]));
        throw new CodedError(coded.code, message, params);
      }
    },
  };
}

function table(service: StudioService, host: Host, grants: Grants): Table {
  return {
    appInfo: req(none, async (): Promise<AppInfo> => {
      const report = await service.backend();
      const page = service.computing();
      return {
        ...(page ? { computing: { backend: page.backend, ...(page.adapter ? { adapter: page.adapter.name } : {}) } } : {}),
        version: host.version,
        versions: host.versions,
        backend: report.backend,
        ...(report.threads ? { threads: report.threads } : {}),
        skipped: report.attempts.filter((a) => !a.ok),
        storeDir: service.storage.storeDir,
      };
    }),
    computeFigures: req(none, async () => (await service.computeFigures()) ?? null),
    measureCompute: req(none, () => service.measureCompute()),
    listModels: req(none, () => service.listModels()),
    recognize: req(RecognizeRequest, async (r) => {
      await checkModel(r.model, service);
      await checkImage(r.image, grants);
      return service.recognize(r);
    }),
    explain: req(ExplainRequest, async (r) => {
      await checkModel(r.model, service);
      await checkImage(r.image, grants);
      return service.explain(r);
    }),
    modelSummary: req(ModelName, async (model) => {
      await checkModel(model, service);
      return service.modelSummary(model);
    }),
    featureMaps: req(FeatureMapsRequest, async (r) => {
      await checkModel(r.model, service);
      if (r.image !== undefined) await checkImage(r.image, grants);
      return service.featureMaps(r);
    }),
    preview: req(z.string().min(1).max(4096), async (file) => {
      if (!(await grants.file(file))) throw fileNotChosen();
      return service.preview(file);
    }),
    recentFiles: req(none, () => grants.recents.all()),
    openImageDialog: req(none, async () => {
      const file = await host.openImage();
      if (file) grants.files.add(file);
      return file;
    }),
    openFolderDialog: req(FolderPurpose, async (purpose) => {
      const folder = await host.openFolder(purpose);
      if (folder) grants.folders.add(folder);
      return folder;
    }),
    recognizeFolder: req(FolderRequest, async (r) => {
      await checkModel(r.model, service);
      if (!grants.folders.has(r.folder)) throw new CodedError('folder-not-chosen', 'That folder was not chosen by the user.');
      const reply = await service.recognizeFolder(r);
      // Its images are the user's choice too: a row of the results opens in Recognize.
      for (const i of reply.items) grants.files.add(i.file);
      // An image's error is error text too (a model that failed to load names its files).
      const keep = await grants.all();
      const cut = (params: ErrorParams) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? redactPaths(v, keep) : v]));
      return {
        ...reply,
        items: reply.items.map((i) =>
          i.error ? { ...i, error: redactPaths(i.error, keep), ...(i.coded ? { coded: { code: i.coded.code, params: cut(i.coded.params) } } : {}) } : i,
        ),
      };
    }),
    cancelFolder: req(JobId, (id) => service.cancelFolder(id)),
    saveCsv: req(SaveCsvRequest, async ({ name, csv }) => {
      const file = await host.saveAs(path.basename(name));
      if (!file) return null;
      await writeFile(file, csv, 'utf8');
      return file;
    }),
    startTraining: req(TrainRequest, (r) => {
      checkDataset(r.dataset, grants, service);
      return service.startTraining(r); // a refusal (a name in use) is this request's error
    }),
    // The dataset is the one stored with the run, not something the renderer names.
    resumeTraining: req(ResumeRequest, (r) => service.resumeTraining(r)),
    augmentPreview: req(TrainRequest, (r) => {
      checkDataset(r.dataset, grants, service);
      return service.augmentPreview(r);
    }),
    cancelTraining: req(JobId, (id) => service.cancelTraining(id)),
    storedModels: req(none, () => service.storedModels()),
    renameModel: req(RenameRequest, ({ from, to }) => service.renameModel(from, to)),
    deleteModel: req(ModelName, (name) => service.deleteModel(name)),
    revealModel: req(ModelName, async (name) => {
      await service.store.get(name); // an unknown name fails here rather than opening some folder
      host.reveal(path.join(service.modelFolder(name), 'model.json'));
    }),
    evaluation: req(EvaluationRequest, (r) => service.evaluation(r.model, r.thumbnails)),
    // No path from the window: the dataset is the catalogue's, the model's name is fixed.
    buildDogBreeds: req(DogBreedsBuildRequest, (r) => service.buildDogBreeds(r.runId, { overwrite: r.overwrite })),
    dogBreedsPlan: req(none, () => service.dogBreedsPlan()),
    ...datasetRequests(service.datasets, host, grants),
    ...modelRequests(service, host, grants),
  };
}

/** Checks a payload and runs the request; the reply never throws, since Electron mangles errors. */
export async function answer(request: Request, payload: unknown): Promise<Reply<unknown>> {
  const parsed = request.schema.safeParse(payload);
  if (!parsed.success) {
    const err = badRequest(parsed.error);
    return { ok: false, error: err.message, code: err.code, params: err.params };
  }
  try {
    return { ok: true, value: await request.run(parsed.data) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), ...errorCodeOf(err) };
  }
}
