// @vitest-environment happy-dom
// A folder with no images says so, in both languages, rather than "0 of 0" under the idle text.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import FolderPanel from '../../src-renderer/src/components/FolderPanel.vue';
import en from '../../src-renderer/src/locales/en.ts';
import ko from '../../src-renderer/src/locales/ko.ts';
import { useFolderStore } from '../../src-renderer/src/stores/folder.ts';
import { fakeApi, plugins } from './setup.ts';

describe('Recognize a folder', () => {
  for (const locale of ['en', 'ko'] as const) {
    it(`says a folder holds no images (${locale})`, async () => {
      fakeApi({
        openFolderDialog: async () => '/photos/empty',
        recognizeFolder: async (req) => ({ jobId: req.jobId, folder: req.folder, model: req.model, items: [], cancelled: false }),
      });
      const p = plugins(locale);
      const w = mount(FolderPanel, { ...p, global: { ...p.global, stubs: { ModelPicker: true } } });
      const words = locale === 'en' ? en : ko;
      expect(w.text()).toContain(words.folder.empty);
      await useFolderStore(p.pinia).choose('mobilenet');
      await flushPromises();
      expect(w.find('[data-testid="folder-none"]').text()).toBe(words.folder.none);
      expect(w.text()).not.toContain(words.folder.empty);
    });
  }
});
