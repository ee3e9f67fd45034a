// The window's requests on one's own datasets, checked like every other (requests.ts): a
// dataset is a folder the app manages or one the user chose; classes and pictures are plain
// names inside it; pictures come in as bytes or from the open dialog, never as paths.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  DatasetBytesRequest,
  DatasetClassRequest,
  DatasetFileRequest,
  DatasetImagesRequest,
  DatasetMoveRequest,
  DatasetName,
  DatasetRemoveRequest,
  DatasetRenameClassRequest,
  DatasetThumbnailsRequest,
  type AddedView,
  type DatasetView,
} from '../contract.ts';
import type { DatasetService } from '../service/datasets.ts';
import { redactPaths } from './redact-paths.ts';
import { CodedError } from '../shared/errors.ts';
import type { Grants, Host, ReplyOf, Request } from './grants.ts';

export type DatasetMethod =
  | 'listDatasets'
  | 'createDataset'
  | 'showDataset'
  | 'datasetImages'
  | 'datasetThumbnails'
  | 'datasetImage'
  | 'addFilesToDataset'
  | 'addBytesToDataset'
  | 'removeFromDataset'
  | 'moveInDataset'
  | 'createClass'
  | 'renameClass'
  | 'deleteClass';

const Path = z.string().min(1).max(4096);
const none = z.undefined();
const req = <S extends z.ZodType, R>(schema: S, run: (payload: z.infer<S>) => Promise<R> | R): Request<S, R> => ({ schema, run });

const isDir = (dir: string) =>
  stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** A dataset the window may touch: one of the app's own, or a folder the user chose this session. */
export function checkOwnDataset(dir: string, datasets: DatasetService, grants: Grants): void {
  if (!datasets.isManaged(dir) && !grants.folders.has(dir)) throw new CodedError('dataset-folder-not-chosen', 'That dataset folder was not chosen by the user.');
}

export function datasetRequests(datasets: DatasetService, host: Host, grants: Grants): { [M in DatasetMethod]: Request<z.ZodType, ReplyOf<M>> } {
  const own = <T extends { dataset: string }>(r: T): T => {
    checkOwnDataset(r.dataset, datasets, grants);
    return r;
  };
  // Outcomes are replies, not errors, so they are redacted here as errors are for every request.
  const shown = async (views: AddedView[]) => {
    const keep = await grants.all();
    return views.map((v) => (v.error ? { ...v, error: redactPaths(v.error, keep) } : v));
  };
  return {
    // The app's own datasets, then the folders the user opened before that are still there.
    listDatasets: req(none, async () => {
      const chosen: DatasetView[] = [];
      for (const dir of await grants.datasets()) {
        if (!datasets.isManaged(dir) && grants.folders.has(dir) && (await isDir(dir))) chosen.push({ dir, name: path.basename(dir), managed: false });
      }
      return [...(await datasets.list()), ...chosen];
    }),
    createDataset: req(DatasetName, (name) => datasets.create(name)),
    showDataset: req(Path, async (dir) => {
      checkOwnDataset(dir, datasets, grants);
      const shown = await datasets.show(dir);
      if (!shown.managed) await grants.rememberDataset(dir);
      return shown;
    }),
    datasetImages: req(DatasetImagesRequest, (r) => datasets.images(own(r).dataset, r.cls, r.offset, r.limit)),
    datasetThumbnails: req(DatasetThumbnailsRequest, async (r) => {
      const keep = await grants.all();
      return (await datasets.thumbnails(own(r).dataset, r.cls, r.names)).map((t) => (t.error ? { ...t, error: redactPaths(t.error, keep) } : t));
    }),
    datasetImage: req(DatasetFileRequest, (r) => datasets.imageBytes(own(r).dataset, r.cls, r.name)),
    addFilesToDataset: req(DatasetClassRequest, async (r) => {
      own(r);
      const files = host.openImages ? await host.openImages() : [await host.openImage()].filter((f): f is string => !!f);
      if (!files.length) return null;
      return shown(await datasets.addFiles(r.dataset, r.cls, files));
    }),
    addBytesToDataset: req(DatasetBytesRequest, async (r) => shown(await datasets.addBytes(own(r).dataset, r.cls, r.images))),
    removeFromDataset: req(DatasetRemoveRequest, async (r) => shown(await datasets.remove(own(r).dataset, r.files))),
    moveInDataset: req(DatasetMoveRequest, (r) => datasets.move(own(r).dataset, { cls: r.cls, name: r.name }, r.to)),
    createClass: req(DatasetClassRequest, (r) => datasets.createClass(own(r).dataset, r.cls)),
    renameClass: req(DatasetRenameClassRequest, (r) => datasets.renameClass(own(r).dataset, r.cls, r.to)),
    deleteClass: req(DatasetClassRequest, (r) => datasets.deleteClass(own(r).dataset, r.cls)),
  };
}
