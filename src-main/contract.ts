// The one contract between the Electron main process and the renderer: channel names,
// request and reply types, and the schemas that main checks every request against.
import { z } from 'zod';

export const RecognizeRequest = z.strictObject({
  /** A path the user chose in a dialog or dropped, or the bytes of a pasted image. */
  image: z.union([
    z.string().min(1).max(4096),
    z.strictObject({ name: z.string().min(1).max(256), data: z.instanceof(Uint8Array) }),
  ]),
  model: z.string().min(1).max(4096),
  topK: z.number().int().min(1).max(1000).optional(),
});

export const channels = {
  appInfo: 'app:info',
  listModels: 'models:list',
  recognize: 'recognize',
  openImageDialog: 'dialog:open-image',
} as const;

export interface PredictionView {
  index: number;
  id: string;
  label: string;
  probability: number;
}

export interface RecognizeReply {
  file: string;
  model: string;
  backend: string;
  ms: number;
  timings: { load: number; decode: number; inference: number };
  top: PredictionView[];
}

export interface AppInfo {
  version: string;
  versions: Record<string, string | undefined>;
  backend: string;
  skipped: { backend: string; reason?: string }[];
}

export interface ModelView {
  id: string;
  name: string;
  description: string;
  speed: string;
  classes: number;
}

/** What the preload exposes as window.api; the e2e tests provide the same shape. */
export interface Api {
  appInfo(): Promise<AppInfo>;
  listModels(): Promise<ModelView[]>;
  recognize(req: z.input<typeof RecognizeRequest>): Promise<RecognizeReply>;
  openImageDialog(): Promise<string | null>;
}

/** Replies carry either a value or an error message: Electron mangles thrown errors. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string };
