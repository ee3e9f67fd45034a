// @vitest-environment happy-dom
// A folder row whose picture does not decode says why in the user's language: main sends the
// English with its image-* code (test/folder-errors.test.ts), the table words the code.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { FolderItem } from '../../src-main/contract.ts';
import FolderPanel from '../../src-renderer/src/components/FolderPanel.vue';
import { useFolderStore } from '../../src-renderer/src/stores/folder.ts';
import { fakeApi, plugins } from './setup.ts';

const items: FolderItem[] = [
  { file: '/p/b-notes.jpg', name: 'b-notes.jpg', error: '/p/b-notes.jpg: not an image', coded: { code: 'image-not-an-image', params: { file: 'b-notes.jpg' } } },
  {
    file: '/p/c-cut.jpg',
    name: 'c-cut.jpg',
    error: '/p/c-cut.jpg: truncated: VipsJpeg: premature end of JPEG image',
    coded: { code: 'image-truncated', params: { file: 'c-cut.jpg' } },
  },
  {
    file: '/p/e-out.jpg',
    name: 'e-out.jpg',
    error: '/p/e-out.jpg: a symbolic link to /etc/x, outside the folder /p: not followed',
    coded: { code: 'entry-link-outside', params: { file: 'e-out.jpg' } },
  },
  // An error without a code (an older main, or one not coded yet) shows as it came.
  { file: '/p/z.jpg', name: 'z.jpg', error: 'something else' },
];

describe('folder results: errors in the user language', () => {
  const cases = {
    ko: ['오류: “b-notes.jpg”은(는) 이미지가 아니거나', '오류: “c-cut.jpg” 파일이 손상되었거나 일부가 잘렸습니다', '오류: “e-out.jpg”은(는) 폴더 밖을', '오류: something else'],
    en: [
      'Error: “b-notes.jpg” is not an image',
      'Error: “c-cut.jpg” is damaged or incomplete',
      'Error: “e-out.jpg” is a symbolic link to a place outside',
      'Error: something else',
    ],
  };
  for (const [locale, expected] of Object.entries(cases) as ['en' | 'ko', string[]][]) {
    it(`words each row's image error (${locale})`, async () => {
      fakeApi({
        openFolderDialog: async () => '/p',
        recognizeFolder: async (req) => ({ jobId: req.jobId, folder: req.folder, model: req.model, items, cancelled: false }),
      });
      const p = plugins(locale);
      const w = mount(FolderPanel, { ...p, global: { ...p.global, stubs: { ModelPicker: true } } });
      await useFolderStore(p.pinia).choose('mobilenet');
      await flushPromises();
      const cells = w.findAll('td.error').map((c) => c.text());
      expect(cells).toHaveLength(4);
      cells.forEach((c, i) => expect(c).toContain(expected[i]!));
      if (locale === 'ko') expect(cells.join(' ')).not.toMatch(/not an image|premature end|symbolic link/);
    });
  }
});
