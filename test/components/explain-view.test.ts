// @vitest-environment happy-dom
// Recognize's "Where did it look?": the warnings in the user's language, the Grad-CAM heatmap
// drawn over the photo, and what the model sees beside the answer.
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExplainReply, ExplainRequest, PredictionView, RecognizeReply } from '../../src-main/contract.ts';
import { warning } from '../../src-main/shared/recognize-warnings.ts';
import ImageViewer from '../../src-renderer/src/components/ImageViewer.vue';
import RecognizePanel from '../../src-renderer/src/components/RecognizePanel.vue';
import { useRecognizeStore } from '../../src-renderer/src/stores/recognize.ts';
import { fakeApi, plugins } from './setup.ts';

const top: PredictionView[] = [
  { index: 151, id: 'n02085620', label: 'Chihuahua', probability: 0.41 },
  { index: 259, id: 'n02112018', label: 'Pomeranian', probability: 0.11 },
];
const preview = { url: 'data:image/png;base64,iVBORw0KGgo=', width: 500, height: 375, name: 'tench.jpg' };
const heatmap = { width: 9, height: 7, values: Array.from({ length: 63 }, (_, i) => (i === 31 ? 1 : 0.2)) };
const reply: RecognizeReply = {
  file: 'tench.jpg',
  model: 'dog-breeds-imagenet',
  backend: 'cpu',
  ms: 12,
  top,
  timings: { load: 1, decode: 2, inference: 9 },
  rangeShare: 0.000001,
  warnings: [warning('not-a-dog', { share: 0.000001 })],
};
const explained: ExplainReply = {
  file: 'tench.jpg',
  model: 'dog-breeds-imagenet',
  backend: 'cpu',
  ms: 30,
  prediction: top[0]!,
  layer: 'conv_pw_13',
  heatmap,
  seen: { left: 62.5, top: 0, width: 375, height: 375 },
  photo: { width: 500, height: 375 },
  input: { width: 224, height: 224, channels: 3, png: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
};
const stubs = { PredictionChart: true, ModelPicker: true };

describe('the heatmap over the photo', () => {
  it('is drawn only when there is one, one canvas cell per heatmap cell', () => {
    const bare = mount(ImageViewer, { props: { preview, top, busy: false }, ...plugins() });
    expect(bare.find('[data-testid="heatmap"]').exists()).toBe(false);
    const w = mount(ImageViewer, { props: { preview, top, busy: false, heatmap }, ...plugins() });
    expect(w.find('[data-testid="heatmap"]').attributes('data-cells')).toBe('9x7');
  });
});

describe("Recognize's explanation", () => {
  let asked: ExplainRequest[];
  beforeEach(() => {
    window.localStorage.clear();
    asked = [];
    fakeApi({ explain: async (r) => (asked.push(r), explained) });
  });

  for (const [locale, words] of [
    ['en', /Not a dog.*<0\.1%/],
    ['ko', /개가 아닙니다.*<0\.1%/],
  ] as const) {
    it(`shows the warnings in ${locale}`, async () => {
      const p = plugins(locale);
      const w = mount(RecognizePanel, { ...p, global: { ...p.global, stubs } });
      const store = useRecognizeStore();
      store.preview = preview;
      store.result = reply;
      await w.vm.$nextTick();
      const shown = w.find('[data-testid="warnings"] li');
      expect(shown.attributes('data-code')).toBe('not-a-dog');
      expect(shown.text()).toMatch(words);
      // Chihuahua at 41% of the dog classes would clear a 30% threshold; on a photo that is no dog it is not sure.
      store.setThreshold(0.3);
      await w.vm.$nextTick();
      expect(w.find('[data-testid="verdict"]').attributes('data-sure')).toBe('false');
    });
  }

  it('asks for the top answer, lays its heatmap over the photo and shows what the model sees; asked again, hides it', async () => {
    const p = plugins();
    const w = mount(RecognizePanel, { ...p, global: { ...p.global, stubs } });
    const store = useRecognizeStore();
    store.source = { kind: 'path', path: '/photos/tench.jpg' };
    store.preview = preview;
    store.result = reply;
    store.model = 'dog-breeds-imagenet';
    await w.vm.$nextTick();
    await w.find('[data-testid="explain"]').trigger('click');
    await flushPromises();
    expect(asked).toEqual([{ image: '/photos/tench.jpg', model: 'dog-breeds-imagenet', classIndex: 151 }]);
    expect(w.find('[data-testid="heatmap"]').attributes('data-cells')).toBe('9x7');
    expect(w.find('[data-testid="model-input"]').attributes('src')).toMatch(/^blob:/);
    expect(w.find('[data-testid="explanation"]').text()).toContain('224×224');
    expect(w.find('[data-testid="explanation"]').text()).toContain('Chihuahua');
    await w.find('[data-testid="explain"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="heatmap"]').exists()).toBe(false);
    expect(store.explanation).toBeNull();
  });
});
