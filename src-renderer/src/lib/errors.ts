// Errors from main in the user's language: a coded error (src-main/shared/errors.ts) is shown
// with its own words in each locale; any other shows main's message as it came.
import { useI18n } from 'vue-i18n';
import { readError } from '../../../src-main/contract';

export function useErrorText(): (err: unknown) => string {
  const { t, te } = useI18n();
  return (err) => {
    if (err === '' || err === null || err === undefined) return '';
    const e = readError(err instanceof Error ? err : new Error(String(err)));
    return e.code && te(`errors.${e.code}`) ? t(`errors.${e.code}`, e.params) : e.message;
  };
}
