// How the window words an error or a log line in a locale, for the tests that check that what main
// throws or logs reaches a Korean user in Korean: the renderer's own composables, run in a
// server-side render (no DOM needed, so Node-environment tests can use it too).
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { expect } from 'vitest';
import { errorMessageOf } from '../../src-main/contract.ts';
import { errorCodeOf } from '../../src-main/shared/errors.ts';
import { makeI18n } from '../../src-renderer/src/i18n.ts';
import { useErrorText } from '../../src-renderer/src/lib/errors.ts';
import { useLogText } from '../../src-renderer/src/lib/log-text.ts';
import { ENGLISH, HANGUL } from '../helpers/languages.ts';

export { ENGLISH, HANGUL };

export interface WindowWords {
  error: ReturnType<typeof useErrorText>;
  log: ReturnType<typeof useLogText>;
}

export async function windowWords(locale: 'en' | 'ko'): Promise<WindowWords> {
  let out!: WindowWords;
  const Probe = defineComponent({
    setup() {
      out = { error: useErrorText(), log: useLogText() };
      return () => h('div');
    },
  });
  await renderToString(createSSRApp(Probe).use(makeI18n(locale)));
  return out;
}

/** The error `p` fails with (a promise, or a function that throws or rejects); the test fails if it does not. */
export const failure = (p: Promise<unknown> | (() => unknown)): Promise<Error> =>
  Promise.resolve()
    .then(typeof p === 'function' ? p : () => p)
    .then(
      () => expect.unreachable('it should fail') as never,
      (e: unknown) => e as Error,
    );

/** As the error reaches the window: through IPC, its code and values in the message. */
export const sent = (err: Error): Error => new Error(errorMessageOf({ ok: false, error: err.message, ...errorCodeOf(err)! }));

/**
 * `err` as the window words it (sent over IPC): coded; the Korean holds `korean` and no English
 * sentence, the English holds `english` and no Hangul; neither shows `hidden` (a path of main's).
 */
export async function expectWorded(err: Error, korean: string, english: string, hidden?: string): Promise<void> {
  expect(errorCodeOf(err), err.message).toBeDefined();
  const ko = (await windowWords('ko')).error(sent(err));
  expect(ko).toContain(korean);
  expect(ko).not.toMatch(ENGLISH);
  const en = (await windowWords('en')).error(sent(err));
  expect(en).toContain(english);
  expect(en).not.toMatch(HANGUL);
  if (hidden !== undefined) {
    expect(ko).not.toContain(hidden);
    expect(en).not.toContain(hidden);
  }
}
