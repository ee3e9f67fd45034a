// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { PredictionView } from '../../src-main/contract.ts';
import ImageViewer from '../../src-renderer/src/components/ImageViewer.vue';
import { plugins } from './setup.ts';

const top: PredictionView[] = [
  { index: 0, id: 'n01440764', label: 'tench', probability: 0.9951 },
  { index: 1, id: 'n01443537', label: 'goldfish', probability: 0.0042 },
  { index: 3, id: 'n01491361', label: 'tiger_shark', probability: 0.0004 },
  { index: 6, id: 'n01496331', label: 'electric_ray', probability: 0.00001 },
  { index: 9, id: 'n01518878', label: 'ostrich', probability: 0 },
];
const preview = { url: 'data:image/png;base64,iVBORw0KGgo=', width: 500, height: 375, name: 'tench.jpg' };

describe('the top-5 overlay on the image', () => {
  it('writes five labels with their probabilities, the first one emphasised', () => {
    const w = mount(ImageViewer, { props: { preview, top, busy: false }, ...plugins() });
    const rows = w.findAll('[data-testid="overlay"] li');
    expect(rows).toHaveLength(5);
    expect(w.findAll('[data-testid="overlay-label"]').map((l) => l.text())).toEqual(['tench', 'goldfish', 'tiger shark', 'electric ray', 'ostrich']);
    expect(rows[0]!.classes()).toContain('first');
    expect(rows[0]!.text()).toContain('99.5%');
    // Tiny probabilities read as "<0.1%", not as a false "0.0%".
    expect(rows[3]!.text()).toContain('<0.1%');
    expect(rows[4]!.text()).toContain('0.0%');
    expect(w.find('[data-testid="photo"]').attributes('alt')).toBe('tench.jpg');
  });

  it('shows no overlay before an answer, and says it is working', () => {
    const w = mount(ImageViewer, { props: { preview, top: null, busy: true }, ...plugins() });
    expect(w.find('[data-testid="overlay"]').exists()).toBe(false);
    expect(w.find('.busy-plate').text()).toBe('Recognizing…');
  });

  it('speaks Korean when asked', () => {
    const w = mount(ImageViewer, { props: { preview, top: null, busy: true }, ...plugins('ko') });
    expect(w.find('.busy-plate').text()).not.toBe('Recognizing…');
  });

  it('zooms in and back to fit', async () => {
    const w = mount(ImageViewer, { props: { preview, top, busy: false }, ...plugins() });
    const [, fit, plus] = w.findAll('.zoom-controls button');
    expect(fit!.text()).toBe('100%');
    await plus!.trigger('click');
    expect(fit!.text()).toBe('125%');
    await fit!.trigger('click');
    expect(fit!.text()).toBe('100%');
  });
});
