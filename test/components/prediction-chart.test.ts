// @vitest-environment happy-dom
// The top-5 chart's long labels: wrapped between words with an ellipsis at the end if need be
// (never cut on the left, as Chart.js's axis does to a label too wide), whole in the tooltip and
// in the box's title.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bar } from 'vue-chartjs';
import PredictionChart from '../../src-renderer/src/components/PredictionChart.vue';
import { wrapLabel } from '../../src-renderer/src/lib/format.ts';
import { plugins } from './setup.ts';

describe('wrapLabel', () => {
  it('keeps short labels, breaks long ones between words, and ends what does not fit with an ellipsis', () => {
    expect(wrapLabel('tench')).toEqual(['tench']);
    expect(wrapLabel('Greater Swiss Mountain dog')).toEqual(['Greater Swiss', 'Mountain dog']);
    expect(wrapLabel('American Staffordshire terrier')).toEqual(['American', 'Staffordshire…']);
    expect(wrapLabel('a label of very many words that go on')).toEqual(['a label of very', 'many words that…']);
    expect(wrapLabel('Pneumonoultramicroscopic')).toEqual(['Pneumonoultrami…']);
    for (const l of wrapLabel('one two three four five six seven eight nine ten', 10, 3)) expect(l.length).toBeLessThanOrEqual(10);
  });
});

describe('the top-5 chart', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the axis wrapped labels and has every label whole in its tooltip and its title', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // happy-dom has no canvas
    const top = [
      { id: 'n02107574', label: 'Greater_Swiss_Mountain_dog', index: 238, probability: 0.62 },
      { id: 'n02108000', label: 'EntleBucher', index: 241, probability: 0.2 },
    ];
    const w = mount(PredictionChart, { ...plugins(), props: { top } });
    const bar = w.findComponent(Bar);
    expect((bar.props('data') as { labels: string[][] }).labels).toEqual([['Greater Swiss', 'Mountain dog'], ['EntleBucher']]);
    const title = (bar.props('options') as { plugins: { tooltip: { callbacks: { title: (items: { dataIndex: number }[]) => string[] } } } }).plugins.tooltip.callbacks.title;
    expect(title([{ dataIndex: 0 }])).toEqual(['Greater Swiss Mountain dog']);
    expect(w.get('[data-testid="prediction-chart"]').attributes('title')).toBe('Greater Swiss Mountain dog: 62.0%\nEntleBucher: 20.0%');
  });
});
