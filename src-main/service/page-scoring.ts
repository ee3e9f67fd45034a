// The recognition service's half of routing to the compute page (core/compute/page-route.ts is
// main's): a loaded classifier scores its pictures through the page when the page computes, and on
// Node when it does not or when the page fails; the failure is logged once, not once a photo.
import type { Classifier, RemoteScores } from '../core/classifier.ts';
import type { PageScoreAnswer, PageScoreCall } from '../core/compute/page-route.ts';
import { layersModelFiles } from '../core/models/layers-io.ts';
import { CodedError } from '../shared/errors.ts';
import { logFailure, type LogLine } from '../shared/log-messages.ts';

/** Asks main's PageRoute (directly, or from the recognition thread through main). */
export type AskPage = (call: PageScoreCall) => Promise<PageScoreAnswer>;
/** Tells main's PageRoute a model name will not be asked for again: the page frees it. */
export type ForgetOnPage = (model: string) => void;

export class PageScoring {
  /** Each key's generation: a model loaded again (retrained, renamed) gets a new name in the page. */
  private readonly generations = new Map<string, number>();
  /** Set after a failure was logged; cleared when the page answers again. */
  private failing = false;

  constructor(
    private readonly ask: AskPage,
    /** The Node backend that answers instead (named in the log line). */
    private readonly nodeBackend: () => Promise<string>,
    private readonly log?: (line: LogLine) => void,
    private readonly forgetOnPage?: ForgetOnPage,
  ) {}

  /** Routes `classifier`'s scoring (keyed as the service keys its models) through the page. */
  attach(key: string, classifier: Classifier): void {
    const previous = this.generations.get(key);
    // A model loaded again (retrained, renamed back): the page's copy of the last one goes.
    if (previous !== undefined) this.forgetOnPage?.(`${key}#${previous}`);
    const generation = (previous ?? 0) + 1;
    this.generations.set(key, generation);
    const name = `${key}#${generation}`;
    classifier.remote = (pixels) => this.scores(name, key, classifier, pixels);
  }

  /** The service dropped `key`'s model (retrained, renamed, deleted): the page frees its copy. */
  detach(key: string): void {
    const generation = this.generations.get(key);
    if (generation !== undefined) this.forgetOnPage?.(`${key}#${generation}`);
  }

  private async scores(name: string, key: string, classifier: Classifier, pixels: Uint8Array[]): ReturnType<RemoteScores> {
    const { inputSize, channels, preprocessing, classRange } = classifier.spec;
    const spec = { inputSize, channels, preprocessing, ...(classRange ? { classRange } : {}) };
    try {
      let answer = await this.ask({ model: name, spec, pixels });
      if (answer.routed && 'missing' in answer) {
        // The graph Node runs (batch norms folded), as files: zoo, view, stored or opened alike.
        const saved = await layersModelFiles(classifier.model);
        answer = await this.ask({ model: name, files: { json: saved['model.json'], shards: [saved['weights.bin']] }, spec, pixels });
      }
      if (!answer.routed || 'missing' in answer) return undefined;
      this.failing = false;
      // Each answer names the backend the page's reply named: requests in flight together keep their own.
      const computedBy = answer.backend;
      return answer.probabilities.map((probabilities, i) => ({ probabilities, ...(answer.rangeShares ? { rangeShare: answer.rangeShares[i]! } : {}), computedBy }));
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        // A coded reason (a lost GPU, a silent page) is worded by the window; another is its first line.
        const reason = err instanceof CodedError ? err : (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
        this.log?.(logFailure('compute-recognize-fell-back', { model: key, backend: await this.nodeBackend() }, reason));
      }
      return undefined;
    }
  }
}
