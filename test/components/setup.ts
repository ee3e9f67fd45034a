// Shared mounting for component tests: a fresh Pinia, English messages, and a window.api whose
// methods fail loudly if a component calls one the test did not expect.
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Plugin } from 'vue';
import type { Api } from '../../src-main/contract.ts';
import { makeI18n } from '../../src-renderer/src/i18n.ts';

export function plugins(locale: 'en' | 'ko' = 'en'): { pinia: Pinia; global: { plugins: Plugin[] } } {
  const pinia = createPinia();
  setActivePinia(pinia);
  return { pinia, global: { plugins: [pinia, makeI18n(locale) as Plugin] } };
}

export function fakeApi(overrides: Partial<Api> = {}): Api {
  const api = new Proxy(overrides as Api, {
    get: (target, key: string) => (key in target ? target[key as keyof Api] : () => Promise.reject(new Error(`unexpected api.${key}`))),
  });
  (globalThis as unknown as { window: { api: Api } }).window.api = api;
  return api;
}
