// @vitest-environment happy-dom
// Recognize's confidence threshold: below it the answer reads "not sure" (in English and Korean)
// rather than a confident wrong label; the top-5 still shows; the setting is kept like the language.
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PredictionView, RecognizeReply } from '../../src-main/contract.ts';
import { DEFAULT_THRESHOLD, parseThreshold, verdict } from '../../src-main/shared/confidence.ts';
import ImageViewer from '../../src-renderer/src/components/ImageViewer.vue';
import RecognizePanel from '../../src-renderer/src/components/RecognizePanel.vue';
import { useRecognizeStore } from '../../src-renderer/src/stores/recognize.ts';
import { fakeApi, plugins } from './setup.ts';

const top: PredictionView[] = [
  { index: 5, id: 'n1', label: 'Egyptian_cat', probability: 0.34 },
  { index: 2, id: 'n2', label: 'tabby', probability: 0.3 },
  { index: 7, id: 'n3', label: 'lynx', probability: 0.2 },
  { index: 1, id: 'n4', label: 'tiger_cat', probability: 0.1 },
  { index: 9, id: 'n5', label: 'fox', probability: 0.06 },
];
const preview = { url: 'data:image/png;base64,iVBORw0KGgo=', width: 500, height: 375, name: 'cat.jpg' };
const reply = (t: PredictionView[]): RecognizeReply =>
  ({ file: 'cat.jpg', model: 'mobilenet', backend: 'cpu', ms: 12, top: t, timings: { load: 1, decode: 2, inference: 9 } }) as RecognizeReply;

describe('verdict and parseThreshold', () => {
  it('is sure at or above the threshold, not below, and names the best guess either way', () => {
    expect(verdict(top, 0.5)).toEqual({ sure: false, best: top[0] });
    expect(verdict(top, 0.34)).toEqual({ sure: true, best: top[0] });
    expect(verdict(top, 0)).toMatchObject({ sure: true });
    // Order does not matter: the most probable is the best guess.
    expect(verdict([...top].reverse(), 0.3).best).toBe(top[0]);
    expect(verdict([], 0.5)).toEqual({ sure: false, best: undefined });
    expect(verdict([{ probability: NaN }], 0)).toMatchObject({ sure: false });
  });

  it('reads a saved threshold, and falls back to 50% for anything else', () => {
    expect(DEFAULT_THRESHOLD).toBe(0.5);
    expect(parseThreshold('0.7')).toBe(0.7);
    expect(parseThreshold(0)).toBe(0);
    expect(parseThreshold(1)).toBe(1);
    for (const bad of [null, undefined, '', 'abc', '1.5', -0.1, NaN, Infinity, {}]) expect(parseThreshold(bad)).toBe(0.5);
  });
});

describe('the overlay on the image', () => {
  it('says "Not sure" with the best guess\'s probability, and still lists the five guesses', () => {
    const w = mount(ImageViewer, { props: { preview, top, busy: false, sure: false }, ...plugins() });
    const unsure = w.find('[data-testid="overlay-unsure"]');
    expect(unsure.text()).toContain('Not sure');
    expect(unsure.text()).toContain('34.0%');
    expect(w.findAll('[data-testid="overlay-label"]')).toHaveLength(5);
    // No guess is emphasised as the answer.
    expect(w.findAll('[data-testid="overlay"] li.first')).toHaveLength(1);
    expect(w.find('[data-testid="overlay"] li.first').attributes('data-testid')).toBe('overlay-unsure');
  });

  it('says it in Korean too', () => {
    const w = mount(ImageViewer, { props: { preview, top, busy: false, sure: false }, ...plugins('ko') });
    expect(w.find('[data-testid="overlay-unsure"]').text()).toContain('잘 모르겠음');
  });

  it('shows no "not sure" line for a sure answer', () => {
    const w = mount(ImageViewer, { props: { preview, top, busy: false, sure: true }, ...plugins() });
    expect(w.find('[data-testid="overlay-unsure"]').exists()).toBe(false);
  });
});

describe("the Recognize panel's threshold", () => {
  beforeEach(() => {
    window.localStorage.clear();
    fakeApi({});
  });
  const stubs = { PredictionChart: true, ModelPicker: true };

  it('answers "Not sure" below 50% by default, the label once the user lowers the threshold, and keeps the setting', async () => {
    const p = plugins();
    const w = mount(RecognizePanel, { ...p, global: { ...p.global, stubs } });
    const store = useRecognizeStore();
    expect(store.threshold).toBe(0.5);
    store.preview = preview;
    store.result = reply(top);
    await w.vm.$nextTick();
    const v = w.find('[data-testid="verdict"]');
    expect(v.attributes('data-sure')).toBe('false');
    expect(v.text()).toContain('Not sure');
    expect(v.text()).toContain('best guess: Egyptian cat, 34.0%');
    expect(w.find('[data-testid="overlay-unsure"]').exists()).toBe(true);

    const box = w.find('[data-testid="threshold"]');
    expect((box.element as HTMLInputElement).value).toBe('50');
    await box.setValue('30');
    await box.trigger('change');
    expect(store.threshold).toBe(0.3);
    expect(w.find('[data-testid="verdict"]').attributes('data-sure')).toBe('true');
    expect(w.find('[data-testid="verdict"] strong').text()).toBe('Egyptian cat');
    expect(w.find('[data-testid="overlay-unsure"]').exists()).toBe(false);
    expect(window.localStorage.getItem('classifier-studio.threshold')).toBe('0.3');

    // Out of range is clamped, and the box shows what was kept.
    await box.setValue('250');
    await box.trigger('change');
    expect(store.threshold).toBe(1);
    expect((box.element as HTMLInputElement).value).toBe('100');

    // The slider sets it too.
    const slider = w.find('[data-testid="threshold-slider"]');
    await slider.setValue('20');
    expect(store.threshold).toBe(0.2);

    // A new window (a new store) starts from the saved setting.
    plugins();
    expect(useRecognizeStore().threshold).toBe(0.2);
  });

  it('writes "not sure" in Korean', async () => {
    const p = plugins('ko');
    const w = mount(RecognizePanel, { ...p, global: { ...p.global, stubs } });
    const store = useRecognizeStore();
    store.preview = preview;
    store.result = reply(top);
    await w.vm.$nextTick();
    expect(w.find('[data-testid="verdict"]').text()).toContain('잘 모르겠음');
    expect(w.find('[data-testid="verdict"]').text()).toContain('34.0%');
  });
});
