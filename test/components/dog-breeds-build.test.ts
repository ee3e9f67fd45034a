// @vitest-environment happy-dom
// The dog-breed build card's words, in both languages: the cost as main's plan gives it (a time
// estimated from a measured speed, said how), a plan that cannot be read said rather than no
// card, and times and sizes as people read them.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { DogBreedsPlanView } from '../../src-main/contract.ts';
import DogBreedsBuild from '../../src-renderer/src/components/DogBreedsBuild.vue';
import { aboutTime } from '../../src-renderer/src/lib/dog-breeds-text.ts';
import { bytes } from '../../src-renderer/src/lib/format.ts';
import { useRecognizeStore } from '../../src-renderer/src/stores/recognize.ts';
import { fakeApi, plugins } from './setup.ts';

const official: DogBreedsPlanView = {
  built: false,
  stopped: false,
  downloadBytes: 793579520 + 481280,
  downloadedBytes: 0,
  photos: 20580,
  classes: 120,
  backbone: 'mobilenet',
  estimate: { seconds: 20580 / 14.7, imagesPerSecond: 14.7, how: 'extraction', images: 9000, backend: 'tfjs-node', measuredAt: '2024-01-01T00:00:00Z' },
};

async function card(locale: 'en' | 'ko', plan: () => Promise<DogBreedsPlanView>) {
  fakeApi({ dogBreedsPlan: plan });
  const p = plugins(locale);
  useRecognizeStore(p.pinia).model = 'dog-breeds';
  const w = mount(DogBreedsBuild, { ...p, global: { ...p.global, stubs: { CurveChart: true } } });
  await flushPromises();
  return w;
}

describe('the dog-breed build card', () => {
  it('tells the official cost: download, photos, and the time estimated from the last extraction', async () => {
    const w = await card('en', async () => official);
    expect(w.find('[data-testid="dog-cost-download"]').text()).toBe('Download: 794.1 MB');
    expect(w.find('[data-testid="dog-cost-photos"]').text()).toBe('Photos: 20,580 of 120 breeds, each through mobilenet once');
    expect(w.find('[data-testid="dog-cost-time"]').text()).toBe(
      'Time: about 23 min to compute their features, estimated (measured on the last feature extraction here: 9,000 photos, 15 photos/s, tfjs-node)',
    );
    const ko = await card('ko', async () => official);
    expect(ko.find('[data-testid="dog-cost-time"]').text()).toBe(
      '시간: 특징 계산에 약 23분 걸릴 것으로 추정 (이 컴퓨터의 지난 특징 추출에서 측정: 사진 9,000장, 초당 15장, tfjs-node)',
    );
  });

  it('says when no time could be measured, and what a stopped build kept', async () => {
    const w = await card('en', async () => ({ ...official, estimate: undefined, downloadBytes: 700 * 1024 ** 2, downloadedBytes: 57 * 1024 ** 2 }));
    expect(w.find('[data-testid="dog-cost-time"]').text()).toBe('Time: not estimated (mobilenet could not be timed on this computer)');
    expect(w.find('[data-testid="dog-cost-download"]').text()).toBe('Download: 734.0 MB more (59.8 MB kept from the stopped build)');
  });

  it("says a plan it cannot read, in the window's language", async () => {
    const w = await card('ko', async () => Promise.reject(new Error('catalogue unreadable')));
    expect(w.find('[data-testid="dog-plan-error"]').text()).toBe('만드는 데 드는 비용을 읽지 못했습니다: catalogue unreadable');
  });

  it('is not shown for another model, nor once built', async () => {
    expect((await card('en', async () => ({ ...official, built: true }))).find('[data-testid="dog-build"]').exists()).toBe(false);
    fakeApi({ dogBreedsPlan: async () => official });
    const p = plugins('en');
    const w = mount(DogBreedsBuild, p);
    await flushPromises();
    expect(w.find('[data-testid="dog-build"]').exists()).toBe(false);
  });

  it('reads times and sizes as people do', () => {
    const t = (key: string, v?: Record<string, unknown>) => `${key.split('.').pop()}:${JSON.stringify(v)}`;
    expect(aboutTime(t, 0.2)).toBe('aboutSeconds:{"n":1}');
    expect(aboutTime(t, 89)).toBe('aboutSeconds:{"n":89}');
    expect(aboutTime(t, 1490)).toBe('aboutMinutes:{"n":25}');
    expect(aboutTime(t, 7400)).toBe('aboutHours:{"h":2,"m":3}');
    expect([bytes(0), bytes(100), bytes(51200), bytes(1153433), bytes(793579520 + 481280)]).toEqual(['0 B', '100 B', '51 KB', '1.2 MB', '794.1 MB']);
  });
});
