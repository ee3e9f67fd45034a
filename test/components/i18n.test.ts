// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import en from '../../src-renderer/src/locales/en.ts';
import ko from '../../src-renderer/src/locales/ko.ts';
import { initialLocale, saveLocale } from '../../src-renderer/src/i18n.ts';

/** Every message path of a locale object, e.g. "training.start". */
function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

afterEach(() => {
  vi.restoreAllMocks();
  localStorage.clear();
});

describe('languages', () => {
  it('follows the system language, Korean or else English', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ko-KR', 'en-US']);
    expect(initialLocale()).toBe('ko');
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['de-DE']);
    expect(initialLocale()).toBe('en');
  });

  it('remembers the choice over the system language', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['en-US']);
    saveLocale('ko');
    expect(initialLocale()).toBe('ko');
    expect(document.documentElement.lang).toBe('ko');
  });

  it('has every English message in Korean, and translated', () => {
    expect(keys(ko).sort()).toEqual(keys(en).sort());
    expect(ko.nav.training).not.toBe(en.nav.training);
  });
});
