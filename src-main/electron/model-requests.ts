// The window's requests that move models in and out: export a stored model (a save dialog, and
// consent before anything there is replaced), import a model file or folder into the store, and
// get a zoo model onto this machine (download with progress events, or import from local files).
// Every path is one the user chose in a dialog; none comes from the window.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ExportRequest, ImportModelRequest, JobId, ModelDownloadRequest, ZooId, type ModelFileKind } from '../contract.ts';
import { findModel, findView } from '../core/zoo/catalog.ts';
import { checkName } from '../core/store/model-store.ts';
import { CodedError, errorCodeOf } from '../shared/errors.ts';
import type { StudioService } from '../service/studio.ts';
import type { Grants, Host, ReplyOf, Request } from './grants.ts';

export type ModelMethod = 'exportModel' | 'importModel' | 'downloadModel' | 'cancelModelDownload' | 'importZooModel';

const req = <S extends z.ZodType, R>(schema: S, run: (payload: z.infer<S>) => Promise<R> | R): Request<S, R> => ({ schema, run });
const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

/** A .keras or .h5 file gets its extension when the user typed a bare name; a TF.js folder is named as typed. */
export function exportTarget(chosen: string, format: ModelFileKind): string {
  if (format === 'tfjs') return chosen;
  return path.extname(chosen).toLowerCase() === `.${format}` ? chosen : `${chosen}.${format}`;
}

const suggestedName = (name: string, format: ModelFileKind) => (format === 'tfjs' ? `${name}-tfjs` : `${name}.${format}`);

function checkZoo(model: string): void {
  if (!findModel(model) && !findView(model)) throw new CodedError('model-not-in-zoo', `"${model}" is not a model of the zoo.`, { name: model });
}

export function modelRequests(service: StudioService, host: Host, grants: Grants): { [M in ModelMethod]: Request<z.ZodType, ReplyOf<M>> } {
  return {
    exportModel: req(ExportRequest, async (r) => {
      await service.store.get(r.name); // an unknown name fails before any dialog opens
      let out: string;
      if (r.out !== undefined) {
        // Only a place the save dialog gave this session is written to, or replaced.
        if (!grants.targets.has(r.out)) throw new CodedError('place-not-chosen', 'That place was not chosen by the user.');
        out = r.out;
      } else {
        const chosen = await host.saveAs(suggestedName(r.name, r.format), r.format);
        if (!chosen) return null;
        out = exportTarget(chosen, r.format);
        grants.targets.add(out);
      }
      if (!r.overwrite && (await exists(out))) return { status: 'exists' as const, path: out, format: r.format };
      try {
        const done = await service.exportModel(r.name, { format: r.format, out, overwrite: !!r.overwrite });
        return { status: 'saved' as const, path: done.out, format: r.format };
      } catch (err) {
        // Something appeared there between the check and the write: still the user's to decide.
        if (errorCodeOf(err)?.code === 'export-exists') return { status: 'exists' as const, path: out, format: r.format };
        throw err;
      }
    }),
    importModel: req(ImportModelRequest, async (r) => {
      if (r.name !== undefined) checkName(r.name); // a name the store cannot take is refused before any dialog opens
      if (!host.openModel) throw new CodedError('no-file-dialog', 'This window cannot choose files.');
      const chosen = await host.openModel(r.pick, r.pick === 'file' ? ['keras', 'h5'] : []);
      if (!chosen) return null;
      (r.pick === 'file' ? grants.files : grants.folders).add(chosen);
      try {
        const meta = await service.importKerasModel(chosen, { name: r.name, overwrite: r.overwrite });
        return { name: meta.name };
      } catch (err) {
        // The CLI's advice (--labels) means nothing here: a labels file beside the model does the same.
        if (/does not name its classes/.test((err as Error).message)) throw new CodedError('import-no-labels', (err as Error).message, { path: chosen });
        throw err;
      }
    }),
    downloadModel: req(ModelDownloadRequest, (r) => {
      checkZoo(r.model);
      return service.downloadZooModel(r.jobId, r.model);
    }),
    cancelModelDownload: req(JobId, (id) => service.cancelModelDownload(id)),
    importZooModel: req(ZooId, async (model) => {
      checkZoo(model);
      if (!host.openModel) throw new CodedError('no-file-dialog', 'This window cannot choose files.');
      const need = await service.zooImportNeed(model);
      if (!need) return { model, files: 0 };
      const chosen = await host.openModel(need.pick, need.extensions);
      if (!chosen) return null;
      (need.pick === 'file' ? grants.files : grants.folders).add(chosen);
      const done = await service.importModel(need.id, chosen);
      return { model, files: done.files.length };
    }),
  };
}
