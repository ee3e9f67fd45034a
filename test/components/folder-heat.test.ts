// @vitest-environment happy-dom
// Recognize a folder: a click on a row's thumbnail lays the Grad-CAM heatmap of its top answer
// over it (asked of the model that made the results), a second click hides it; the row itself
// still opens the photo in Recognize.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { ExplainReply, ExplainRequest, FolderItem } from '../../src-main/contract.ts';
import FolderPanel from '../../src-renderer/src/components/FolderPanel.vue';
import en from '../../src-renderer/src/locales/en.ts';
import ko from '../../src-renderer/src/locales/ko.ts';
import { useAppStore } from '../../src-renderer/src/stores/app.ts';
import { useFolderStore } from '../../src-renderer/src/stores/folder.ts';
import { fakeApi, plugins } from './setup.ts';

const thumb = 'data:image/png;base64,iVBORw0KGgo=';
const items: FolderItem[] = [
  { file: '/photos/elephant.jpg', name: 'elephant.jpg', thumbnail: thumb, top: [{ index: 385, id: 'n02504013', label: 'Indian_elephant', probability: 0.82 }] },
  { file: '/photos/gone.jpg', name: 'gone.jpg', thumbnail: thumb, top: [{ index: 0, id: 'n01440764', label: 'tench', probability: 0.9 }] },
];
const heatmap = { width: 11, height: 7, values: Array.from({ length: 77 }, (_, i) => (i === 38 ? 1 : 0)) };

describe('heatmaps over the folder results', () => {
  for (const locale of ['en', 'ko'] as const) {
    it(`a click on a thumbnail shows its heatmap and another hides it; a failure is said (${locale})`, async () => {
      const asked: ExplainRequest[] = [];
      fakeApi({
        openFolderDialog: async () => '/photos',
        recognizeFolder: async (req) => ({ jobId: req.jobId, folder: req.folder, model: req.model, items, cancelled: false }),
        explain: async (req) => {
          asked.push(req);
          if (req.image === '/photos/gone.jpg') throw new Error('The file /photos/gone.jpg is gone.');
          return {
            file: 'elephant.jpg',
            model: 'mobilenet',
            backend: 'wasm',
            ms: 40,
            prediction: items[0]!.top![0]!,
            layer: 'conv_pw_13',
            heatmap,
            seen: { left: 83.5, top: 0, width: 333, height: 333 },
            photo: { width: 500, height: 333 },
            input: { width: 224, height: 224, channels: 3, png: new Uint8Array([0x89]) },
          } satisfies ExplainReply;
        },
      });
      const p = plugins(locale);
      const w = mount(FolderPanel, { ...p, global: { ...p.global, stubs: { ModelPicker: true } } });
      const app = useAppStore(p.pinia);
      app.panel = 'folder';
      await useFolderStore(p.pinia).choose('mobilenet');
      await flushPromises();
      const words = locale === 'en' ? en : ko;
      const thumbs = w.findAll('[data-testid="folder-thumb"]');
      expect(thumbs).toHaveLength(2);
      expect(thumbs[0]!.attributes('title')).toBe(words.folder.heatHint);
      expect(w.find('[data-testid="folder-heat"]').exists()).toBe(false);

      await thumbs[0]!.trigger('click');
      await flushPromises();
      expect(asked).toEqual([{ image: '/photos/elephant.jpg', model: 'mobilenet' }]);
      const heat = w.find('[data-testid="folder-heat"]');
      expect(heat.find('canvas').attributes('data-cells')).toBe('11x7');
      expect(heat.attributes('style')).toContain('aspect-ratio: 500 / 333'); // the photo's proportions: the heatmap covers the whole photo
      expect(heat.attributes('title')).toBe(words.folder.heatOf.replace('{label}', 'Indian elephant').replace('{layer}', 'conv_pw_13'));
      expect(app.panel, 'the thumbnail does not open the photo in Recognize').toBe('folder');

      await w.findAll('[data-testid="folder-thumb"]')[1]!.trigger('click');
      await flushPromises();
      expect(w.findAll('[data-testid="folder-thumb"]')[1]!.find('.error').text()).toContain('/photos/gone.jpg is gone');
      await w.findAll('[data-testid="folder-thumb"]')[0]!.trigger('click');
      expect(w.find('[data-testid="folder-heat"]').exists()).toBe(false);
      expect(asked).toHaveLength(2);
    });
  }
});
