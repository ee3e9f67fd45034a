// End-to-end: the Training form at 1024x700 in both languages. The Network box shows the names
// whole (their figures go below it), and the inputs of a row stay in line when a label wraps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

type Box = { x: number; y: number; width: number; height: number };

describe.skipIf(!hasChromium)('the Training form at 1024x700', () => {
  let studio: Studio;
  beforeAll(async () => {
    studio = await startStudio();
    await studio.page.setViewportSize({ width: 1024, height: 700 });
  });
  afterAll(async () => {
    await studio?.close();
  });

  /** The boxes of the two-column grid's inputs and selects, in order. */
  const inputs = () =>
    studio.page.locator('.train-form .grid2 > .field > :is(input, select)').evaluateAll((els) =>
      els.map((e) => {
        const r = (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );

  for (const locale of ['en', 'ko'] as const) {
    it(`shows each network's name whole, its figures below (${locale})`, async () => {
      const { page } = studio;
      await page.getByTestId('locale').selectOption(locale);
      await page.getByTestId('tab-training').click();
      const select = page.getByTestId('network');
      // The text the closed box shows fits in it: measured with the select's own font.
      const fits = await select.evaluate((el) => {
        const s = el as unknown as {
          options: { text: string }[];
          clientWidth: number;
          ownerDocument: { createElement(t: string): { getContext(c: string): { font: string; measureText(t: string): { width: number } } } };
        };
        const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { font: string } }).getComputedStyle(el);
        const ctx = s.ownerDocument.createElement('canvas').getContext('2d');
        ctx.font = cs.font;
        return Array.from(s.options).map((o) => ({ text: o.text, fits: ctx.measureText(o.text).width + 40 <= s.clientWidth }));
      });
      expect(fits.filter((o) => !o.fits)).toEqual([]);
      expect(fits.map((o) => o.text)).toContain('transfer-mobilenet');
      await select.selectOption('transfer-mobilenet');
      expect(await page.getByTestId('network-hint').textContent()).toMatch(/224/);
      await select.selectOption('lenet5');
      // The charts beside the form fit in the window too (they once ran past its right edge).
      const rights = await page
        .locator('.training-main .chart-card')
        .evaluateAll((els) => els.map((e) => (e as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right));
      expect(rights.length).toBe(2);
      for (const r of rights) expect(r).toBeLessThanOrEqual(1024);
      await screenshot(page, `training-form-${locale}-1024x700`);
    });

    it(`keeps the inputs of a row in line when a label wraps (${locale})`, async () => {
      const { page } = studio;
      const before = await inputs();
      expect(before.length).toBeGreaterThanOrEqual(8);
      // The first label made three lines long, as a long translation would be.
      await page
        .locator('.train-form .grid2 > .field > .field-label')
        .first()
        .evaluate((el) => {
          (el as unknown as { textContent: string }).textContent = 'a label long enough to need three lines in a column this narrow';
        });
      const after = await inputs();
      for (let i = 0; i + 1 < after.length; i += 2) {
        expect(Math.abs(after[i]!.y - after[i + 1]!.y), `row ${i / 2 + 1}`).toBeLessThan(1);
        expect(Math.abs(after[i]!.height - after[i + 1]!.height), `row ${i / 2 + 1}`).toBeLessThan(1);
      }
      expect(after[0]!.y).toBeGreaterThan(before[0]!.y + 10); // the label did wrap
      await screenshot(page, `training-form-wrapped-${locale}-1024x700`);
      await page.reload();
      await page.getByTestId('panel-recognize').waitFor();
    });

    it(`says why each invalid field cannot be, beside it, and still fits (${locale})`, async () => {
      const { page } = studio;
      await page.getByTestId('locale').selectOption(locale);
      await page.getByTestId('tab-training').click();
      const bad: Record<string, string> = {
        epochs: '5000',
        'batch-size': '',
        'learning-rate': '0',
        'validation-split': '0.95',
        patience: '-1',
        limit: '0',
        'test-limit': '1.5',
        dropout: '1',
        out: 'run..2',
      };
      for (const [field, value] of Object.entries(bad)) await page.getByTestId(field).fill(value);
      const said = await page.locator('.train-form .field-error').evaluateAll((els) =>
        els.map((e) => {
          const el = e as unknown as {
            textContent: string;
            getBoundingClientRect(): Box & { right: number };
            closest(s: string): { getBoundingClientRect(): Box & { right: number } };
          };
          const own = el.getBoundingClientRect();
          const field = el.closest('.field').getBoundingClientRect();
          return { text: el.textContent.trim(), right: own.right, fieldRight: field.right, below: own.y >= field.y };
        }),
      );
      expect(said).toHaveLength(Object.keys(bad).length);
      for (const s of said) {
        expect(s.text, JSON.stringify(s)).not.toBe('');
        // In the user's language, and inside its own field's column.
        if (locale === 'ko') expect(s.text, s.text).toMatch(/[\uac00-\ud7a3]/);
        else expect(s.text, s.text).not.toMatch(/Too (big|small)|expected/);
        expect(s.right, s.text).toBeLessThanOrEqual(s.fieldRight + 0.5);
        expect(s.below).toBe(true);
      }
      // The inputs of a row stay in line with an error under one of them; nothing runs off sideways.
      const boxes = await inputs();
      for (let i = 0; i + 1 < boxes.length; i += 2) expect(Math.abs(boxes[i]!.y - boxes[i + 1]!.y), `row ${i / 2 + 1}`).toBeLessThan(1);
      const overflow = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await page.getByTestId('start').scrollIntoViewIfNeeded();
      expect(await page.getByTestId('start').isDisabled()).toBe(true);
      await screenshot(page, `training-form-errors-${locale}-1024x700`);
      await page.reload();
      await page.getByTestId('panel-recognize').waitFor();
    });
  }
});
