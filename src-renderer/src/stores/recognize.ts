import { defineStore } from 'pinia';
import { errorMessageOf, readError, type ExplainReply, type PreviewView, type RecognizeReply } from '../../../src-main/contract';
import { parseThreshold, verdict } from '../../../src-main/shared/confidence';
import { basename } from '../lib/format';
import { useAppStore } from './app';

const THRESHOLD_KEY = 'classifier-studio.threshold';

/** The saved confidence threshold (a fraction), else the default; saved like the language. */
function loadThreshold(): number {
  try {
    return parseThreshold(window.localStorage.getItem(THRESHOLD_KEY));
  } catch {
    return parseThreshold(undefined);
  }
}

/** What is shown: a file the user chose (recognized by path) or bytes dropped or pasted. */
type Source = { kind: 'path'; path: string } | { kind: 'bytes'; name: string; data: Uint8Array };

export const useRecognizeStore = defineStore('recognize', {
  state: () => ({
    model: 'mobilenet',
    source: null as Source | null,
    preview: null as PreviewView | null,
    result: null as RecognizeReply | null,
    /** Grad-CAM of the top answer (asked for with "Where did it look?"), and what the model was given. */
    explanation: null as ExplainReply | null,
    /** The model's input as an object URL, shown beside the answer. */
    seenUrl: '',
    explaining: false,
    /** How strongly the heatmap covers the photo (0..1). */
    heatOpacity: 0.45,
    /** "Inside the model" (summary, feature maps, filters) shown under the photo. */
    showInside: false,
    recent: [] as string[],
    busy: false,
    error: '',
    download: null as { file: string; received: number; total?: number } | null,
    /** Below this probability (0..1) the answer reads "not sure". */
    threshold: loadThreshold(),
  }),
  getters: {
    name: (s) => (s.source ? (s.source.kind === 'path' ? basename(s.source.path) : s.source.name) : ''),
    /** The photo as requests name it (cached: a new object each time would ask again for its feature maps). */
    image: (s) => (!s.source ? null : s.source.kind === 'path' ? s.source.path : { name: s.source.name, data: s.source.data as Uint8Array<ArrayBuffer> }),
    /** Whether the shown answer clears the threshold, and the best guess. */
    verdict: (s) => verdict(s.result?.top ?? [], s.threshold, s.result?.warnings),
  },
  actions: {
    setThreshold(value: number) {
      this.threshold = parseThreshold(value);
      try {
        window.localStorage.setItem(THRESHOLD_KEY, String(this.threshold));
      } catch {
        // No storage (a locked-down profile): the setting lasts this session.
      }
    },
    /** File > Open Image… and model download progress; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type === 'menu' && e.command === 'open-image') void this.openPath(e.path);
        if (e.type === 'download') this.download = e.total && e.received >= e.total ? null : { file: e.file, received: e.received, total: e.total };
      });
    },
    async refreshRecent() {
      try {
        this.recent = await window.api.recentFiles();
      } catch {
        this.recent = [];
      }
    },
    async open() {
      const file = await window.api.openImageDialog();
      if (file) await this.openPath(file);
    },
    async openPath(path: string) {
      this.source = { kind: 'path', path };
      this.result = null;
      this.error = '';
      try {
        this.preview = await window.api.preview(path);
      } catch (err) {
        this.showNothing((err as Error).message);
        return;
      }
      await this.recognize();
    },
    /** A file that is not a picture was dropped or pasted: said at once (no bytes go to main), and what was shown goes. */
    refuse(name: string) {
      this.showNothing(errorMessageOf({ ok: false, error: `${name}: not an image`, code: 'image-not-an-image', params: { file: name } }));
    },
    /** After an image that cannot be read nothing is shown, so there is nothing to recognize again. */
    showNothing(error: string) {
      if (this.preview?.url.startsWith('blob:')) URL.revokeObjectURL(this.preview.url);
      this.source = null;
      this.preview = null;
      this.result = null;
      this.error = error;
    },
    /** Dropped or pasted: the window already has the bytes, so no path crosses to main. */
    async openBytes(name: string, data: Uint8Array, mime: string) {
      this.source = { kind: 'bytes', name, data };
      this.result = null;
      this.error = '';
      const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: mime || 'image/*' }));
      const size = await imageSize(url).catch(() => ({ width: 0, height: 0 }));
      if (this.preview?.url.startsWith('blob:')) URL.revokeObjectURL(this.preview.url);
      this.preview = { url, name, ...size };
      await this.recognize();
    },
    clearExplanation() {
      if (this.seenUrl) URL.revokeObjectURL(this.seenUrl);
      this.explanation = null;
      this.seenUrl = '';
    },
    /**
     * The heatmap of one answer (the top one when `classIndex` is absent) over the photo, and the
     * picture the model was given; the top one asked again, hidden.
     */
    async explain(classIndex?: number) {
      if (this.explanation && classIndex === undefined) return this.clearExplanation();
      const chosen = classIndex ?? this.result?.top[0]?.index;
      if (!this.source || chosen === undefined || this.explaining) return;
      if (this.explanation?.prediction.index === chosen) return;
      this.explaining = true;
      const [source, model] = [this.source, this.model];
      try {
        const reply = await window.api.explain({ image: this.imageOf(source), model, classIndex: chosen });
        if (this.source !== source || this.model !== model) return; // another photo or model meanwhile
        this.clearExplanation();
        this.explanation = reply;
        this.seenUrl = URL.createObjectURL(new Blob([reply.input.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.explaining = false;
      }
    },
    imageOf(source: Source) {
      return source.kind === 'path' ? source.path : { name: source.name, data: source.data as Uint8Array<ArrayBuffer> };
    },
    async recognize() {
      if (!this.source) return;
      // A zoo model not on this machine: the panel offers Download and Import instead of an error.
      const app = useAppStore();
      const missing = () => app.models.find((m) => m.id === this.model)?.missing;
      if (missing()) {
        // Its files may have come meanwhile (models import in a terminal, a copy into the cache): look again.
        await app.refreshModels().catch(() => undefined);
        if (missing()) {
          this.result = null;
          return;
        }
      }
      this.busy = true;
      this.error = '';
      this.clearExplanation();
      try {
        this.result = await window.api.recognize({ image: this.imageOf(this.source), model: this.model, topK: 5 });
        if (this.source.kind === 'path') await this.refreshRecent();
      } catch (err) {
        const message = (err as Error).message;
        // The picture itself is bad (not the model): nothing is left to recognize.
        if (readError(message).code?.startsWith('image-')) this.showNothing(message);
        else {
          this.result = null;
          this.error = message;
        }
      } finally {
        this.busy = false;
      }
    },
  },
});

function imageSize(url: string): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => reject(new Error('not an image the window can show'));
    img.src = url;
  });
}
