// The dog-breed model, one click away: what building it costs (main's plan), the build as a
// Training run (its progress and curves are the training store's), and the steps it went
// through (download, unpack, split, features), kept here since the training store keeps only
// the current one.
import { defineStore } from 'pinia';
import type { DogBreedsPlanView, TrainEvent } from '../../../src-main/contract';
import { DOG_BREEDS_MODEL } from '../../../src-main/shared/vocabulary';
import { useAppStore } from './app';
import { useRecognizeStore } from './recognize';
import { useTrainingStore } from './training';

export interface BuildStep {
  /** main's stage name: 'download Stanford Dogs', 'unpack images.tar', 'official split', 'features (train)', … */
  stage: string;
  done: number;
  total: number;
}

export const useDogBreedsStore = defineStore('dog-breeds', {
  state: () => ({
    plan: null as DogBreedsPlanView | null,
    loading: false,
    error: '',
    /** The cost is on screen, waiting for the user's yes. */
    confirming: false,
    runId: '',
    steps: [] as BuildStep[],
    /** The build whose result was taken to Recognize (its card then closes). */
    used: '',
  }),
  getters: {
    /** The Training panel's run is this build. */
    ours: (s) => !!s.runId && useTrainingStore().runId === s.runId,
  },
  actions: {
    /** A build's steps, as they come; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type === 'training' && e.runId === this.runId) this.apply(e.event);
        if (e.type === 'training-ended' && e.runId === this.runId) void this.refresh();
      });
    },
    apply(e: TrainEvent) {
      if (e.event !== 'dataset') return;
      const step = this.steps.find((s) => s.stage === e.stage);
      if (step) Object.assign(step, { done: e.done, total: e.total });
      else this.steps.push({ stage: e.stage, done: e.done, total: e.total });
    },
    async refresh() {
      this.loading = true;
      this.error = '';
      try {
        this.plan = await window.api.dogBreedsPlan();
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.loading = false;
      }
    },
    /** Starts (or continues) the build the user confirmed; its refusal shows as the run's error. */
    async build() {
      const training = useTrainingStore();
      this.confirming = false;
      if (training.running) return;
      this.steps = [];
      await training.launch((runId) => {
        this.runId = runId;
        return window.api.buildDogBreeds({ runId });
      });
    },
    stop() {
      if (this.ours) void useTrainingStore().stop();
    },
    /** Recognizes the open photo with the model just built (main reads its weights anew). */
    async use() {
      await useAppStore().refreshModels();
      const recognize = useRecognizeStore();
      this.used = this.runId;
      recognize.model = DOG_BREEDS_MODEL;
      await recognize.recognize();
    },
  },
});
