// Errors from main in the user's language: a coded error (src-main/shared/errors.ts) is shown
// with its own words in each locale; any other shows main's message as it came. A reply's own
// error (a folder row's) comes as its English and its code side by side: the same words.
import { useI18n } from 'vue-i18n';
import { readError } from '../../../src-main/contract';
import type { ErrorCode, ErrorParams } from '../../../src-main/shared/errors';

export type CodedText = { message: string; coded?: { code: ErrorCode; params: ErrorParams } };

export function useErrorText(): (err: unknown) => string {
  const { t, te } = useI18n();
  return (err) => {
    if (err === '' || err === null || err === undefined) return '';
    const e = isCodedText(err) ? { message: err.message, ...err.coded } : readError(err instanceof Error ? err : new Error(String(err)));
    return e.code && te(`errors.${e.code}`) ? t(`errors.${e.code}`, e.params ?? {}) : e.message;
  };
}

function isCodedText(err: unknown): err is CodedText {
  return typeof err === 'object' && err !== null && !(err instanceof Error) && typeof (err as CodedText).message === 'string';
}
