// Log lines from main (and the Training panel's own) in the user's language: a coded line
// (src-main/shared/log-messages.ts) is worded by the locale files; a coded error or a system
// error inside it (its {reason}) too. A code this window does not know falls back to the English
// line that came. The app's words among its values (a split, where a download came from) are
// worded too.
import { useI18n } from 'vue-i18n';
import type { LogLine } from '../../../src-main/shared/log-messages';
import { useReasonParams } from './errors';

export function useLogText(): (line: LogLine) => string {
  const { t, te } = useI18n();
  const local = useReasonParams();
  return (line) => {
    if (!te(`logs.${line.code}`)) return line.message;
    const reason = line.reason && te(`errors.${line.reason.code}`) ? { reason: t(`errors.${line.reason.code}`, local(line.reason.params)) } : {};
    const words = Object.fromEntries(Object.entries(line.words ?? {}).map(([key, w]) => [key, t(`logWords.${w}`)]));
    return t(`logs.${line.code}`, { ...local(line.params), ...words, ...reason });
  };
}
