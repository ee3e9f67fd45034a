// Errors that the app shows in the user's language: a code from this list and the values the
// message needs travel with the English message (which the CLI prints as it is). Dependency-free,
// so the renderer can import the codes too.

/** Why a picture could not be read (core/images/decode.ts); each is the error code `image-<kind>`. */
export const IMAGE_ERROR_KINDS = ['not-an-image', 'unsupported', 'truncated', 'too-large', 'unreadable'] as const;
export type ImageErrorKind = (typeof IMAGE_ERROR_KINDS)[number];
const IMAGE_CODES = IMAGE_ERROR_KINDS.map((k) => `image-${k}` as const);

/** Why an entry of a folder is not read (core/folder-entries.ts); each is the error code `entry-<why>`. */
export const ENTRY_SKIP_KINDS = ['not-regular', 'broken-link', 'link-outside', 'link-not-file'] as const;
export type EntrySkipKind = (typeof ENTRY_SKIP_KINDS)[number];
const ENTRY_CODES = ENTRY_SKIP_KINDS.map((k) => `entry-${k}` as const);

/**
 * What is wrong with one field of a value (shared/field-issues.ts): a training form's, or one of
 * the request the window sent (`bad-request` lists its fields with one of these each); the window
 * words each in its language.
 */
export const FIELD_ISSUE_KINDS = [
  'wrong-type',
  'not-a-number',
  'not-whole',
  'too-small',
  'not-above',
  'too-big',
  'not-below',
  'too-short',
  'too-long',
  'bad-format',
  'unknown-field',
  'not-allowed',
  'other',
] as const;
export type FieldIssueKind = (typeof FIELD_ISSUE_KINDS)[number];
/** One field's issue: `field` is the contract's path ('' for the request as a whole), `limit` the bound or the values allowed. */
export interface FieldIssue {
  field: string;
  kind: FieldIssueKind;
  limit?: string;
}

export const ERROR_CODES = [
  'model-exists',
  'model-busy',
  'model-missing',
  'dataset-download-refused',
  'dataset-not-prepared',
  'dataset-offline',
  'export-exists',
  'export-failed',
  'import-no-labels',
  'model-not-downloaded',
  'layer-missing',
  'layer-not-convolution',
  'model-name-invalid',
  'dataset-name-invalid',
  'class-name-invalid',
  'dataset-exists',
  'class-exists',
  'class-missing',
  'class-not-empty',
  'picture-exists',
  'picture-missing',
  'picture-ambiguous',
  'training-busy',
  'transfer-needs-folder',
  'transfer-no-augment',
  'import-not-image-model',
  'import-input-too-large',
  'import-labels-mismatch',
  'dataset-folder-missing',
  'dataset-split-layout',
  'backend-needs-app',
  // A model folder whose description does not fit the model (store/meta-check.ts), or a model built on what is not there.
  'model-meta-invalid',
  'model-meta-not-json',
  'model-meta-input-mismatch',
  'model-meta-channels-mismatch',
  'model-meta-labels-mismatch',
  'model-backbone-missing',
  'model-file-missing',
  'model-folder-no-json',
  'model-file-not-model',
  'zoo-import-needs-folder',
  'zoo-import-missing',
  // A folder chosen to train on that cannot be (core/datasets/folder.ts, catalog.ts, transfer/run.ts).
  'dataset-no-classes',
  'dataset-too-few-classes',
  // What a window that sends what the app never would (a bug, or a page gone hostile) is told.
  'bad-request',
  'model-by-name',
  'model-not-in-zoo',
  'file-not-chosen',
  'folder-not-chosen',
  'dataset-folder-not-chosen',
  'place-not-chosen',
  'no-file-dialog',
  // A download that failed (core/downloads/download.ts): each names the file by its catalogue path.
  'download-no-connection',
  'download-http',
  'download-range-refused',
  'download-too-big',
  'download-interrupted',
  'download-overrun',
  'download-incomplete',
  'download-size-mismatch',
  'download-digest-mismatch',
  // A file given for a catalogue's (an import, a mirror) that is not it (core/downloads/copy-verified.ts, digest.ts).
  'file-size-mismatch',
  'file-digest-mismatch',
  // A worker thread that ended without its answer, a run cancelled before it began, a reservation lost.
  'training-worker-stopped',
  'training-cancelled-early',
  'preview-worker-stopped',
  'recognition-worker-stopped',
  'h5-reader-failed',
  'model-reservation-lost',
  // A trained model's evaluation whose pictures cannot be shown, a view asked of what is not there.
  'evaluation-photo-outside',
  'model-no-dataset',
  'dataset-no-test-set',
  'transfer-no-preview',
  'layer-no-maps',
  // The compute page failed under a request (core/compute): its GPU lost, it fell silent, it went away.
  'compute-webgl-lost',
  'compute-webgpu-lost',
  'compute-page-stalled',
  'compute-window-gone',
  'compute-client-closed',
  ...IMAGE_CODES,
  ...ENTRY_CODES,
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export type ErrorParams = Record<string, string | number>;

export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly params: ErrorParams = {},
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

/** The error with a hint after its English (the CLI's next step); a coded one keeps its code and values, so the window words it as before. */
export function withHint(err: unknown, hint: string): Error {
  const message = `${err instanceof Error ? err.message : String(err)} ${hint}`;
  return err instanceof CodedError ? new CodedError(err.code, message, err.params) : new Error(message);
}

export function errorCodeOf(err: unknown): { code: ErrorCode; params: ErrorParams } | undefined {
  return err instanceof CodedError ? { code: err.code, params: err.params } : undefined;
}

/** An error as it crosses to another thread or the compute page's port: a coded one keeps its code and values. */
export type SentError = { error: string; code?: ErrorCode; params?: ErrorParams };

export function toSentError(err: unknown): SentError {
  return { error: err instanceof Error ? err.message : String(err), ...errorCodeOf(err) };
}

export function fromSentError(e: SentError): Error {
  return e.code ? new CodedError(e.code, e.error, e.params) : new Error(e.error);
}

/**
 * Node's system errors that reach the user inside a coded error or a log line (its {reason}):
 * each has short words in both languages, so a Korean sentence never holds Node's English
 * ("ENOENT: no such file or directory, open '…'"). English here; the window's in its locales.
 */
export const SYSTEM_REASONS_ENGLISH = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the disk',
  EISDIR: 'a folder where a file was expected',
  ENOTDIR: 'a file where a folder was expected',
  EMFILE: 'too many files open at once',
  ENFILE: 'too many files open on this computer',
  EEXIST: 'it already exists',
  EROFS: 'the disk is read-only',
  EBUSY: 'in use by another program',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'the disk could not be read or written',
  ELOOP: 'too many symbolic links in the path',
  ENOTEMPTY: 'the folder is not empty',
  EXDEV: 'it cannot be moved to another disk',
} as const satisfies Record<string, string>;
export type SystemErrorCode = keyof typeof SYSTEM_REASONS_ENGLISH;
export const SYSTEM_ERROR_CODES = Object.keys(SYSTEM_REASONS_ENGLISH) as SystemErrorCode[];

export function systemCodeOf(err: unknown): SystemErrorCode | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in SYSTEM_REASONS_ENGLISH ? (code as SystemErrorCode) : undefined;
}

/**
 * The {reason} values of an error that another one wraps: its message (the CLI prints it) and,
 * for a system error, `reasonCode`, from which the window words the reason in the user's language.
 */
export function reasonOf(err: unknown): { reason: string; reasonCode?: SystemErrorCode } {
  const code = systemCodeOf(err);
  return { reason: err instanceof Error ? err.message : String(err), ...(code ? { reasonCode: code } : {}) };
}

export type Coded = { code: ErrorCode; params: ErrorParams };

/** A file a run or a listing left out, and why: the English, and the code the window words. */
export interface SkippedFile {
  file: string;
  error: string;
  coded?: Coded;
  reasonCode?: SystemErrorCode;
}

export function skippedFile(file: string, err: unknown): SkippedFile {
  const coded = errorCodeOf(err);
  const code = systemCodeOf(err);
  return { file, error: err instanceof Error ? err.message : String(err), ...(coded ? { coded } : {}), ...(code ? { reasonCode: code } : {}) };
}
