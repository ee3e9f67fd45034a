// Every user-visible string of the window goes through vue-i18n, with words in both languages:
// the .vue templates hold no literal words (text, or a title/placeholder/label/alt attribute),
// and every key the renderer names in t('…'), te('…') or $t('…') exists in en.ts and ko.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'vue/compiler-sfc';
import en from '../../src-renderer/src/locales/en.ts';
import ko from '../../src-renderer/src/locales/ko.ts';
import { ERROR_CODES, FIELD_ISSUE_KINDS, SYSTEM_ERROR_CODES, SYSTEM_REASONS_ENGLISH } from '../../src-main/shared/errors.ts';
import { fillPlaceholders, LOG_CODES, LOG_ENGLISH, type LogCode } from '../../src-main/shared/log-messages.ts';
import { makeI18n } from '../../src-renderer/src/i18n.ts';

const SRC = path.resolve(import.meta.dirname, '../../src-renderer/src');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
const sources = files(SRC).filter((f) => /\.(vue|ts)$/.test(f) && !f.includes(`${path.sep}locales${path.sep}`));
const vueFiles = sources.filter((f) => f.endsWith('.vue'));
const rel = (f: string) => path.relative(SRC, f);

/** Attributes a person reads (shown, or read aloud by a screen reader). */
const READ_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label']);
/** Names that are the same in every language: the product's, datasets', file formats. */
const SAME_IN_EVERY_LANGUAGE = [/^Classifier Studio$/, /^(ImageNet|MNIST|Fashion-MNIST|CIFAR-10)$/, /^(CSV|JPEG|PNG)$/];
const hasWords = (s: string) => /\p{L}{2,}/u.test(s) && !SAME_IN_EVERY_LANGUAGE.some((r) => r.test(s.trim()));

interface TemplateNode {
  type: number;
  content?: string | { content?: string };
  children?: TemplateNode[];
  props?: { type: number; name: string; value?: { content: string }; loc: { start: { line: number } } }[];
  loc: { start: { line: number } };
}
const TEXT = 2;
const ATTRIBUTE = 6;

/** The literal words of a template: "File.vue:12: Save" for each. */
function literalWords(file: string, source = readFileSync(file, 'utf8')): string[] {
  const { descriptor, errors } = parse(source, { filename: file });
  expect(errors, rel(file)).toEqual([]);
  const found: string[] = [];
  const walk = (n: TemplateNode) => {
    if (n.type === TEXT && typeof n.content === 'string' && hasWords(n.content)) found.push(`${rel(file)}:${n.loc.start.line}: ${n.content.trim()}`);
    for (const p of n.props ?? []) {
      if (p.type === ATTRIBUTE && READ_ATTRIBUTES.has(p.name) && p.value && hasWords(p.value.content))
        found.push(`${rel(file)}:${p.loc.start.line}: ${p.name}="${p.value.content}"`);
    }
    for (const c of n.children ?? []) walk(c);
  };
  if (descriptor.template?.ast) walk(descriptor.template.ast as unknown as TemplateNode);
  return found;
}

function has(table: object, key: string): boolean {
  let node: unknown = table;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string';
}

/** Keys named as string literals in calls of t, te, $t, tc or i18n.global.t. */
function usedKeys(file: string, text = readFileSync(file, 'utf8')): { key: string; where: string }[] {
  return [...text.matchAll(/(?:(?<![\w$.])(?:\$?t|te|tc)|\.global\.t)\(\s*(['"`])([\w.-]+)\1/g)].map((m) => ({
    key: m[2]!,
    where: `${rel(file)}:${text.slice(0, m.index).split('\n').length}`,
  }));
}

describe('the renderer speaks through its locale files', () => {
  it('finds the templates to check', () => {
    expect(vueFiles.length).toBeGreaterThan(10);
  });

  it('has no literal words in a .vue template', () => {
    expect(vueFiles.flatMap((f) => literalWords(f))).toEqual([]);
  });

  it("has every key it names in t('…') in English and in Korean", () => {
    const used = sources.flatMap((f) => usedKeys(f));
    expect(used.length).toBeGreaterThan(100);
    expect(
      used.filter((u) => !has(en, u.key)).map((u) => `${u.where}: ${u.key}`),
      'missing in en.ts',
    ).toEqual([]);
    expect(
      used.filter((u) => !has(ko, u.key)).map((u) => `${u.where}: ${u.key}`),
      'missing in ko.ts',
    ).toEqual([]);
  });

  it('would catch a literal word and an unknown key (the checks can fail)', () => {
    const probe = path.join(SRC, 'components', 'Probe.vue');
    const template = `<template><div :title="t('a.b')"><p>{{ t('x') }} · 42 %</p><button aria-label="close">Save</button><span title="MNIST">x</span></div></template>`;
    expect(literalWords(probe, template)).toEqual(['components/Probe.vue:1: aria-label="close"', 'components/Probe.vue:1: Save']);
    expect(usedKeys(probe, template).map((u) => u.key)).toEqual(['a.b', 'x']);
    expect(usedKeys(probe, `const s = t("dataset.title"); i18n.global.t('nav.models'); format('no.key')`).map((u) => u.key)).toEqual(['dataset.title', 'nav.models']);
    expect(has(en, 'recognize.open')).toBe(true);
    expect(has(en, 'recognize.nope')).toBe(false);
    expect(has(en, 'recognize')).toBe(false); // a group is no message
  });
});

/** The `{name}` placeholders of a message. */
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

/** Codes (log lines, errors) without words in a locale table, or whose words name values the English does not give. */
function unworded(codes: readonly string[], table: Record<string, unknown> | undefined, english: Record<string, string>): string[] {
  return codes.filter((c) => {
    const text = table?.[c];
    return typeof text !== 'string' || !text.trim() || placeholders(text).some((p) => !placeholders(english[c]!).includes(p));
  });
}

describe('coded lines and errors have words in both languages', () => {
  it('every log code has an English and a Korean text, with the placeholders its English fills', () => {
    expect(LOG_CODES.length).toBeGreaterThan(30);
    expect(unworded(LOG_CODES, en.logs, LOG_ENGLISH), 'en.ts logs').toEqual([]);
    expect(unworded(LOG_CODES, ko.logs, LOG_ENGLISH), 'ko.ts logs').toEqual([]);
    expect(
      Object.keys(ko.logs).filter((k) => !(LOG_CODES as string[]).includes(k)),
      'ko.ts logs without a code',
    ).toEqual([]);
  });

  it('the window says in English what the CLI says (vue-i18n reads every line as written), save where the CLI names its options', () => {
    const { t } = makeI18n('en').global;
    const params = (code: LogCode) => Object.fromEntries(placeholders(LOG_ENGLISH[code]).map((p, i) => [p, `v${i}`]));
    const differ = LOG_CODES.filter((c) => t(`logs.${c}`, params(c)) !== fillPlaceholders(LOG_ENGLISH[c], params(c)));
    expect(differ).toEqual(['chosen-epochs', 'chosen-batch-size', 'chosen-both']);
    for (const c of differ) expect(t(`logs.${c}`, params(c))).not.toMatch(/--|classifier-studio/);
    // Korean reads through vue-i18n too: every value lands in its line.
    const ko_ = makeI18n('ko').global;
    for (const c of LOG_CODES) for (const v of Object.values(params(c))) expect(ko_.t(`logs.${c}`, params(c)), c).toContain(v);
  });

  it("every system error code (a {reason}'s reasonCode) has an English and a Korean text", () => {
    expect(SYSTEM_ERROR_CODES).toEqual(expect.arrayContaining(['ENOENT', 'EACCES', 'ENOSPC', 'EISDIR', 'EMFILE']));
    expect(unworded(SYSTEM_ERROR_CODES, en.systemReasons, SYSTEM_REASONS_ENGLISH), 'en.ts systemReasons').toEqual([]);
    expect(unworded(SYSTEM_ERROR_CODES, ko.systemReasons, SYSTEM_REASONS_ENGLISH), 'ko.ts systemReasons').toEqual([]);
  });

  it('every error code has an English and a Korean text', () => {
    const english = en.errors as Record<string, string>;
    expect(unworded(ERROR_CODES, en.errors, english), 'en.ts errors').toEqual([]);
    expect(unworded(ERROR_CODES, ko.errors, english), 'ko.ts errors').toEqual([]);
  });

  it("every kind of a field's issue (a form's, a refused request's) has an English and a Korean text", () => {
    const english = en.fieldIssues as Record<string, string>;
    for (const table of [en.fieldIssues, ko.fieldIssues]) expect(unworded([...FIELD_ISSUE_KINDS, 'request', 'field'], table, english)).toEqual([]);
    expect(placeholders(en.fieldIssues.field)).toEqual(['field', 'issue']);
  });

  it('would catch a missing text and a misspelt placeholder (the check can fail)', () => {
    const english = { a: 'x {file}', b: 'y' };
    expect(unworded(['a', 'b'], { a: 'x {fiel}', b: '' }, english)).toEqual(['a', 'b']);
    expect(unworded(['a', 'b'], { a: '{file} x' }, english)).toEqual(['b']);
  });
});
