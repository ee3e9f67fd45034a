// Errors that the app shows in the user's language: a code from this list and the values the
// message needs travel with the English message (which the CLI prints as it is). Dependency-free,
// so the renderer can import the codes too.

/** Why a picture could not be read (core/images/decode.ts); each is the error code `image-<kind>`. */
export const IMAGE_ERROR_KINDS = ['not-an-image', 'unsupported', 'truncated', 'too-large', 'unreadable'] as const;
export type ImageErrorKind = (typeof IMAGE_ERROR_KINDS)[number];
const IMAGE_CODES = IMAGE_ERROR_KINDS.map((k) => `image-${k}` as const);

export const ERROR_CODES = [
  'model-exists',
  'model-busy',
  'model-missing',
  'dataset-download-refused',
  'export-exists',
  'export-failed',
  'import-no-labels',
  'model-not-downloaded',
  'backend-needs-app',
  ...IMAGE_CODES,
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

export function errorCodeOf(err: unknown): { code: ErrorCode; params: ErrorParams } | undefined {
  return err instanceof CodedError ? { code: err.code, params: err.params } : undefined;
}
