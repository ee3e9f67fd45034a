// @vitest-environment happy-dom
// Seeing inside in the window, against a fake main: the answer picked on the photo is the one
// explained, the heatmap's strength follows the slider, and "Inside the model" shows the layer
// table with its totals and the chosen layer's maps.
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExplainReply, ExplainRequest, FeatureMapsRequest, FeatureMapsView, ModelSummaryView, PredictionView, RecognizeReply } from '../../src-main/contract.ts';
import ModelInside from '../../src-renderer/src/components/ModelInside.vue';
import RecognizePanel from '../../src-renderer/src/components/RecognizePanel.vue';
import { useRecognizeStore } from '../../src-renderer/src/stores/recognize.ts';
import { fakeApi, plugins } from './setup.ts';

const top: PredictionView[] = [
  { index: 385, id: 'n02504013', label: 'Indian_elephant', probability: 0.89 },
  { index: 101, id: 'n01871265', label: 'tusker', probability: 0.06 },
];
const preview = { url: 'data:image/png;base64,iVBORw0KGgo=', width: 500, height: 333, name: 'elephant.jpg' };
const reply: RecognizeReply = { file: 'elephant.jpg', model: 'mobilenet', backend: 'cpu', ms: 9, top, timings: { load: 1, decode: 1, inference: 7 }, warnings: [] };
const explained = (p: PredictionView): ExplainReply => ({
  file: 'elephant.jpg',
  model: 'mobilenet',
  backend: 'cpu',
  ms: 30,
  prediction: p,
  layer: 'conv_pw_13',
  heatmap: { width: 2, height: 1, values: [p.index === 385 ? 1 : 0, 1] },
  seen: { left: 0, top: 0, width: 500, height: 333 },
  photo: { width: 500, height: 333 },
  input: { width: 224, height: 224, channels: 3, png: new Uint8Array([0x89]) },
});
const summary: ModelSummaryView = {
  name: 'lenet5',
  totalParams: 61_706,
  trainableParams: 61_706,
  nonTrainableParams: 0,
  layers: [
    { name: 'c1', type: 'Conv2D', outputShape: '(None, 28, 28, 6)', params: 156 },
    { name: 'd', type: 'Dense', outputShape: '(None, 10)', params: 61_550 },
  ],
};
const tiles = (layer: string, count: number, side: number) => ({
  layer,
  type: 'Conv2D',
  width: side,
  height: side,
  channels: 1 as const,
  total: count,
  count,
  levels: new Uint8Array(count * side * side),
});
const layers: FeatureMapsView['layers'] = [
  { name: 'c1', type: 'Conv2D', shape: [28, 28, 6] },
  { name: 'c3', type: 'Conv2D', shape: [10, 10, 16] },
];

beforeEach(() => window.localStorage.clear());

describe('picking the answer to explain', () => {
  it('explains the answer clicked on the photo, marks it, and draws as strongly as the slider says', async () => {
    const asked: ExplainRequest[] = [];
    fakeApi({ explain: async (r) => (asked.push(r), explained(top.find((p) => p.index === r.classIndex)!)) });
    const p = plugins();
    const w = mount(RecognizePanel, { ...p, global: { ...p.global, stubs: { PredictionChart: true, ModelPicker: true } } });
    const store = useRecognizeStore();
    Object.assign(store, { source: { kind: 'path', path: '/photos/elephant.jpg' }, preview, result: reply });
    await w.vm.$nextTick();
    await w.findAll('[data-testid="overlay-answer"]')[1]!.trigger('click');
    await flushPromises();
    expect(asked).toEqual([{ image: '/photos/elephant.jpg', model: 'mobilenet', classIndex: 101 }]);
    expect(w.findAll('[data-testid="overlay-answer"]')[1]!.classes()).toContain('explained');
    expect(w.find('[data-testid="explanation"]').attributes('data-class')).toBe('101');
    // The same answer again asks nothing; the buttons under the answer pick too.
    await w.findAll('[data-testid="overlay-answer"]')[1]!.trigger('click');
    await w.findAll('[data-testid="explain-class"]')[0]!.trigger('click');
    await flushPromises();
    expect(asked.map((r) => r.classIndex)).toEqual([101, 385]);
    const slider = w.find('[data-testid="heat-opacity"]');
    (slider.element as HTMLInputElement).value = '70';
    await slider.trigger('input');
    expect((w.find('[data-testid="heatmap"]').element as HTMLElement).style.opacity).toBe('0.7');
  });
});

describe('inside the model', () => {
  for (const [locale, total] of [
    ['en', 'Total parameters'],
    ['ko', '전체 파라미터'],
  ] as const) {
    it(`shows the layer table with its totals and the maps of the chosen layer (${locale})`, async () => {
      const mapsAsked: FeatureMapsRequest[] = [];
      fakeApi({
        modelSummary: async () => summary,
        featureMaps: async (r) => (mapsAsked.push(r), { model: 'digits', layers, maps: r.layer === 'c3' ? tiles('c3', 16, 10) : tiles('c1', 6, 28), filters: tiles('c1', 6, 5) }),
      });
      const w = mount(ModelInside, { props: { model: 'digits', image: '/photos/seven.png' }, ...plugins(locale) });
      await flushPromises();
      expect(w.findAll('[data-testid="summary-table"] tbody tr')).toHaveLength(2);
      expect(w.find('[data-testid="total-params"]').text()).toBe('61,706');
      expect(w.find('[data-testid="summary-totals"]').text()).toContain(total);
      expect(w.findAll('[data-testid="feature-maps"] [data-testid="tile"]')).toHaveLength(6);
      expect(w.findAll('[data-testid="filters"] [data-testid="tile"]')).toHaveLength(6);
      await w.find('[data-testid="maps-layer"]').setValue('c3');
      await flushPromises();
      expect(mapsAsked.map((r) => r.layer)).toEqual([undefined, 'c3']);
      expect(w.findAll('[data-testid="feature-maps"] [data-testid="tile"]')).toHaveLength(16);
    });
  }

  it('without a photo, says where to open one', async () => {
    fakeApi({ modelSummary: async () => summary, featureMaps: async () => ({ model: 'digits', layers, filters: tiles('c1', 6, 5) }) });
    const w = mount(ModelInside, { props: { model: 'digits', image: null }, ...plugins() });
    await flushPromises();
    expect(w.find('[data-testid="maps-need-photo"]').text()).toMatch(/Open a photo in Recognize/);
    expect(w.find('[data-testid="feature-maps"]').exists()).toBe(false);
  });
});
