// Log lines from main (and the Training panel's own) in the user's language: a coded line
// (src-main/shared/log-messages.ts) is worded by the locale files; a coded error inside it (its
// {reason}) too. A code this window does not know falls back to the English line that came.
import { useI18n } from 'vue-i18n';
import type { LogLine } from '../../../src-main/shared/log-messages';

export function useLogText(): (line: LogLine) => string {
  const { t, te } = useI18n();
  return (line) => {
    if (!te(`logs.${line.code}`)) return line.message;
    const reason = line.reason && te(`errors.${line.reason.code}`) ? { reason: t(`errors.${line.reason.code}`, line.reason.params) } : {};
    return t(`logs.${line.code}`, { ...line.params, ...reason });
  };
}
