// What the window's requests are checked against and answered with: the paths the user chose
// (grants), what only the host can do (dialogs), and the shape of one request's handler.
import type { z } from 'zod';
import type { Api, FolderPurpose, ModelFileKind } from '../contract.ts';
import type { RecentFiles } from '../service/recents.ts';

/**
 * Paths the user chose this session; recent images count too (they were chosen before), and so
 * do dataset folders the user opened in the Dataset panel before (`datasetFolders`, granted
 * again by restore() on start, so such a dataset stays in the panel's list).
 */
export class Grants {
  readonly files = new Set<string>();
  readonly folders = new Set<string>();
  /** Places the save dialog gave for an export: the only ones an export may write to, or replace with consent. */
  readonly targets = new Set<string>();
  constructor(
    readonly recents: RecentFiles,
    readonly datasetFolders?: RecentFiles,
  ) {}

  /** Grants again the dataset folders remembered from earlier sessions. */
  async restore(): Promise<void> {
    for (const dir of (await this.datasetFolders?.all()) ?? []) this.folders.add(dir);
  }

  /** A chosen folder the Dataset panel opened: remembered for the next start. */
  async rememberDataset(dir: string): Promise<void> {
    if (this.folders.has(dir)) await this.datasetFolders?.add(dir);
  }

  /** The remembered dataset folders, most recently opened first. */
  async datasets(): Promise<string[]> {
    return (await this.datasetFolders?.all()) ?? [];
  }

  async file(p: string): Promise<boolean> {
    return this.files.has(p) || (await this.recents.has(p));
  }

  /** Every path the user chose: error text may show these whole. */
  async all(): Promise<string[]> {
    return [...this.files, ...this.folders, ...this.targets, ...(await this.recents.all())];
  }
}

/** What only the host can do: native dialogs, the file manager, version numbers. */
export interface Host {
  openImage(): Promise<string | null>;
  /** Several images at once (adding to a dataset); without it, one from openImage. */
  openImages?(): Promise<string[]>;
  openFolder(purpose: z.infer<typeof FolderPurpose>): Promise<string | null>;
  /** Asks where to save a file suggested as `name` (a CSV unless `kind` says which model form); null if the user cancelled. */
  saveAs(name: string, kind?: ModelFileKind): Promise<string | null>;
  /** A model to import: a file (of these extensions) or a folder; null if the user cancelled. */
  openModel?(pick: 'file' | 'folder', extensions: string[]): Promise<string | null>;
  reveal(file: string): void;
  version: string;
  versions: Record<string, string | undefined>;
}

export type Method = keyof Omit<Api, 'onEvent'>;
/** What the window gets back from a method, as the contract's Api says. */
export type ReplyOf<M extends Method> = Awaited<ReturnType<Api[M]>>;
export interface Request<S extends z.ZodType = z.ZodType, R = unknown> {
  schema: S;
  run(payload: z.infer<S>): Promise<R> | R;
}
