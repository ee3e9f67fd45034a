// The Dataset panel's state: which dataset and class are open, the class's picture names (fetched
// a page at a time as the grid scrolls to them), their thumbnails, and what was refused.
import { defineStore } from 'pinia';
import type { AddedView, DatasetSummaryView, DatasetView, NamedBytes } from '../../../src-main/contract';
import { newId } from '../lib/format';
import { useAppStore } from './app';
import { useRecognizeStore } from './recognize';
import { useTrainingStore } from './training';

export const NAMES_PAGE = 200;
const THUMBS_PER_REQUEST = 48;
/** Bytes sent to main at once: a big drop goes in parts, so each request stays well under its limit. */
const BYTES_PER_REQUEST = 32 * 1024 ** 2;
const IMAGES_PER_REQUEST = 32;

export const useDatasetStore = defineStore('dataset', {
  state: () => ({
    datasets: [] as DatasetView[],
    current: null as DatasetSummaryView | null,
    cls: '',
    /** Names of the class's pictures by position; holes are pages not fetched yet. */
    names: [] as (string | undefined)[],
    thumbs: {} as Record<string, string>,
    /** The picture picked in the grid, for its actions. */
    picked: '',
    refused: [] as AddedView[],
    lastAdded: 0,
    busy: false,
    error: '',
    /** Settings for the one-button run; null: the plan's size-aware ones. */
    advanced: { open: false, epochs: null as number | null, batchSize: null as number | null },
    model: '',
    /** The training run this panel started (the Training store runs it), and on which dataset. */
    runId: '',
    runDataset: '',
  }),
  actions: {
    async init() {
      await this.guard(async () => (this.datasets = await window.api.listDatasets()));
    },
    /** Runs an action, showing its error in the panel rather than losing it. */
    async guard<T>(action: () => Promise<T>): Promise<T | undefined> {
      this.error = '';
      try {
        return await action();
      } catch (err) {
        this.error = (err as Error).message;
        return undefined;
      }
    },
    async create(name: string) {
      const made = await this.guard(() => window.api.createDataset(name.trim()));
      if (!made) return false;
      this.datasets = await window.api.listDatasets();
      await this.open(made.dir);
      return true;
    },
    async openFolder() {
      const dir = await this.guard(() => window.api.openFolderDialog('dataset'));
      if (dir) await this.open(dir);
      if (dir && this.current?.dir === dir) this.datasets = (await this.guard(() => window.api.listDatasets())) ?? this.datasets; // remembered now
    },
    async open(dir: string) {
      const shown = await this.guard(() => window.api.showDataset(dir));
      if (!shown) return;
      this.current = shown;
      this.thumbs = {};
      this.refused = [];
      await this.selectClass(shown.classes.find((c) => c.name === this.cls)?.name ?? shown.classes[0]?.name ?? '');
    },
    async refresh() {
      if (!this.current) return;
      const shown = await this.guard(() => window.api.showDataset(this.current!.dir));
      if (shown) this.current = shown;
      const picked = this.picked;
      await this.selectClass(this.current.classes.some((c) => c.name === this.cls) ? this.cls : (this.current.classes[0]?.name ?? ''));
      if (picked && this.names.includes(picked)) this.picked = picked; // still there: still picked
    },
    async selectClass(cls: string) {
      this.cls = cls;
      this.picked = '';
      this.names = [];
      if (!cls || !this.current) return;
      const count = this.current.classes.find((c) => c.name === cls)?.count ?? 0;
      this.names = new Array<string | undefined>(count).fill(undefined);
      await this.ensureNames(0, Math.min(count, NAMES_PAGE));
    },
    /** Fetches the pages of names that cover positions [from, to). */
    async ensureNames(from: number, to: number) {
      const { current, cls } = this;
      if (!current) return;
      for (let page = Math.floor(from / NAMES_PAGE) * NAMES_PAGE; page < to; page += NAMES_PAGE) {
        if (this.names[page] !== undefined) continue;
        const got = await this.guard(() => window.api.datasetImages({ dataset: current.dir, cls, offset: page, limit: NAMES_PAGE }));
        if (!got || this.cls !== cls || this.current !== current) return;
        if (got.total !== this.names.length) this.names.length = got.total;
        got.files.forEach((f, k) => (this.names[page + k] = f));
      }
    },
    async ensureThumbs(names: string[]) {
      const { current, cls } = this;
      const wanted = names.filter((n) => !(thumbKey(cls, n) in this.thumbs));
      if (!current || !wanted.length) return;
      for (const n of wanted) this.thumbs[thumbKey(cls, n)] = ''; // asked for: not asked again while it comes
      for (let i = 0; i < wanted.length; i += THUMBS_PER_REQUEST) {
        const got = await window.api.datasetThumbnails({ dataset: current.dir, cls, names: wanted.slice(i, i + THUMBS_PER_REQUEST) }).catch(() => []);
        for (const t of got) this.thumbs[thumbKey(cls, t.name)] = t.url ?? 'error';
      }
    },
    async addFromDialog(into?: string) {
      const cls = into ?? this.cls;
      if (!this.current || !cls) return;
      const out = await this.guard(() => window.api.addFilesToDataset({ dataset: this.current!.dir, cls }));
      if (out) await this.added(out);
    },
    /** Dropped, pasted or captured pictures, sent in parts. */
    async addBytes(images: NamedBytes[], into?: string) {
      const cls = into ?? this.cls;
      if (!this.current || !cls || !images.length) return;
      this.busy = true;
      const all: AddedView[] = [];
      try {
        for (let i = 0; i < images.length;) {
          const part: NamedBytes[] = [];
          let size = 0;
          while (i < images.length && part.length < IMAGES_PER_REQUEST && (!part.length || size + images[i]!.data.byteLength <= BYTES_PER_REQUEST)) {
            size += images[i]!.data.byteLength;
            part.push(images[i++]!);
          }
          const out = await this.guard(() => window.api.addBytesToDataset({ dataset: this.current!.dir, cls, images: part }));
          if (!out) break;
          all.push(...out);
        }
      } finally {
        this.busy = false;
      }
      await this.added(all);
    },
    async added(out: AddedView[]) {
      this.refused = out.filter((o) => o.status === 'refused');
      this.lastAdded = out.filter((o) => o.status === 'added').length;
      await this.refresh();
    },
    async createClass(name: string) {
      if (!this.current) return false;
      const ok = await this.guard(() => window.api.createClass({ dataset: this.current!.dir, cls: name.trim() }));
      if (ok === undefined && this.error) return false;
      await this.refresh();
      await this.selectClass(name.trim());
      return true;
    },
    async renameClass(from: string, to: string) {
      if (!this.current) return;
      await this.guard(() => window.api.renameClass({ dataset: this.current!.dir, cls: from, to: to.trim() }));
      if (this.cls === from && !this.error) this.cls = to.trim();
      await this.refresh();
    },
    async deleteClass(name: string) {
      if (!this.current) return;
      await this.guard(() => window.api.deleteClass({ dataset: this.current!.dir, cls: name }));
      await this.refresh();
    },
    async remove(name: string) {
      if (!this.current) return;
      const out = await this.guard(() => window.api.removeFromDataset({ dataset: this.current!.dir, files: [{ cls: this.cls, name }] }));
      if (out) this.refused = out.filter((o) => o.status === 'refused');
      await this.refresh();
    },
    async move(name: string, to: string) {
      if (!this.current || to === this.cls) return;
      await this.guard(() => window.api.moveInDataset({ dataset: this.current!.dir, cls: this.cls, name, to }));
      await this.refresh();
    },
    async openInRecognize(name: string) {
      if (!this.current) return;
      const picture = await this.guard(() => window.api.datasetImage({ dataset: this.current!.dir, cls: this.cls, name }));
      if (!picture) return;
      useAppStore().panel = 'recognize';
      await useRecognizeStore().openBytes(picture.name, picture.data, '');
    },
    /** Transfer learning on MobileNet, under a model name not yet taken; progress is the Training store's. */
    async train() {
      const app = useAppStore();
      const training = useTrainingStore();
      if (!this.current || training.running) return;
      const taken = new Set(app.models.map((m) => m.id.toLowerCase()));
      const base = this.current.name;
      let out = base;
      for (let k = 2; taken.has(out.toLowerCase()); k++) out = `${base} ${k}`;
      this.model = out;
      const { epochs, batchSize } = this.advanced;
      const dataset = this.current.dir;
      await training.launch((runId) => {
        this.runId = runId;
        this.runDataset = dataset;
        return window.api.startTraining({
          runId,
          dataset,
          network: 'transfer-mobilenet',
          optimizer: 'adam',
          learningRate: 0.001,
          validationSplit: 0.2,
          out,
          ...(this.advanced.open && epochs ? { epochs } : {}),
          ...(this.advanced.open && batchSize ? { batchSize } : {}),
        });
      });
    },
    useInRecognize() {
      const recognize = useRecognizeStore();
      recognize.model = this.model;
      useAppStore().panel = 'recognize';
      void recognize.recognize();
    },
  },
});

/** Hand-named pictures of two classes may share a name. */
export const thumbKey = (cls: string, name: string) => `${cls}/${name}`;

export const newCaptureName = () => `${newId('webcam')}.jpg`;
