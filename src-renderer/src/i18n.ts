import { createI18n } from 'vue-i18n';
import en from './locales/en';
import ko from './locales/ko';

export const LOCALES = [
  { id: 'en', name: 'English' },
  { id: 'ko', name: '한국어' },
] as const;
export type LocaleId = (typeof LOCALES)[number]['id'];

const KEY = 'classifier-studio.locale';

/** The saved choice, else the system language, else English. */
export function initialLocale(): LocaleId {
  const saved = safeStorage()?.getItem(KEY);
  if (saved === 'en' || saved === 'ko') return saved;
  return (navigator.languages ?? [navigator.language]).some((l) => l?.toLowerCase().startsWith('ko')) ? 'ko' : 'en';
}

export function saveLocale(id: LocaleId): void {
  safeStorage()?.setItem(KEY, id);
  document.documentElement.lang = id;
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function makeI18n(locale: LocaleId = initialLocale()) {
  return createI18n({ legacy: false, locale, fallbackLocale: 'en', messages: { en, ko } });
}
