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

  /** Every message with its path, e.g. ["training.start", "Start"]. */
  function messages(o: object, prefix = ''): [string, unknown][] {
    return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v ? messages(v as object, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]));
  }
  const placeholders = (m: string) => [...new Set([...m.matchAll(/\{\s*([\w.]+)\s*\}/g)].map((x) => x[1]!))].sort();

  it('has every English message in Korean and no Korean message that English lacks', () => {
    const enKeys = new Set(keys(en));
    const koKeys = new Set(keys(ko));
    expect(
      keys(en).filter((k) => !koKeys.has(k)),
      'missing in ko.ts',
    ).toEqual([]);
    expect(
      keys(ko).filter((k) => !enKeys.has(k)),
      'missing in en.ts',
    ).toEqual([]);
  });

  it('has a non-empty string for every message in both languages', () => {
    for (const [locale, table] of [
      ['en', en],
      ['ko', ko],
    ] as const) {
      const bad = messages(table)
        .filter(([, v]) => typeof v !== 'string' || !v.trim())
        .map(([k]) => k);
      expect(bad, `empty or not text in ${locale}.ts`).toEqual([]);
    }
  });

  // Left out on purpose: {purpose} is an English word from main ("trained", "renamed").
  const DROPPED: Record<string, string[]> = { 'errors.model-busy': ['purpose'] };
  // Names and file formats, the same in both languages.
  const UNTRANSLATED = ['app.title', 'recognize.dropHint', 'models.formats.keras', 'models.formats.h5'];

  it('uses the same {placeholders} in Korean as in English', () => {
    const ko_ = new Map(messages(ko));
    const differ = messages(en).flatMap(([k, v]) => {
      const other = ko_.get(k);
      if (typeof v !== 'string' || typeof other !== 'string') return [];
      const [a, b] = [placeholders(v).filter((p) => !DROPPED[k]?.includes(p)), placeholders(other)];
      return a.join() === b.join() ? [] : [`${k}: en {${a.join('}, {')}} ko {${b.join('}, {')}}`];
    });
    expect(differ).toEqual([]);
  });

  it('is written in Korean: the messages with words in them have Hangul', () => {
    // Messages of symbols, numbers and placeholders alone (e.g. "{ms} ms") may stay as they are.
    const wordy = messages(ko).filter(([k, v]) => typeof v === 'string' && /[A-Za-z]{3,}/.test(String(messages(en).find(([e]) => e === k)?.[1]).replace(/\{[^}]*\}/g, '')));
    const english = wordy.filter(([k, v]) => !UNTRANSLATED.includes(k) && !/[\uac00-\ud7a3]/.test(v as string)).map(([k, v]) => `${k}: ${String(v)}`);
    expect(english).toEqual([]);
    expect(ko.nav.training).not.toBe(en.nav.training);
  });
});
