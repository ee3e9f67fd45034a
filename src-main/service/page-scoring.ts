// The recognition service's half of routing to the compute page (core/compute/page-route.ts is
// main's): a loaded classifier scores its pictures through the page when the page computes, and on
// Node when it does not or when the page fails; the failure is logged once, not once a photo.
import type { Classifier } from '../core/classifier.ts';
import type { PageScoreAnswer, PageScoreCall, PageUse } from '../core/compute/page-route.ts';
import { layersModelFiles } from '../core/models/layers-io.ts';
import type { Scores } from '../core/models/scores.ts';
import { logLine, type LogLine } from '../shared/log-messages.ts';

/** Asks main's PageRoute (directly, or from the recognition thread through main). */
export type AskPage = (call: PageScoreCall) => Promise<PageScoreAnswer>;

export class PageScoring {
  /** Each key's generation: a model loaded again (retrained, renamed) gets a new name in the page. */
  private readonly generations = new Map<string, number>();
  /** Set after a failure was logged; cleared when the page answers again. */
  private failing = false;
  /** The backend that computed the latest answer: the page's, or undefined for Node's. */
  answeredBy?: PageUse['backend'];

  constructor(
    private readonly ask: AskPage,
    /** The Node backend that answers instead (named in the log line). */
    private readonly nodeBackend: () => Promise<string>,
    private readonly log?: (line: LogLine) => void,
  ) {}

  /** Routes `classifier`'s scoring (keyed as the service keys its models) through the page. */
  attach(key: string, classifier: Classifier): void {
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const name = `${key}#${generation}`;
    classifier.remote = (pixels) => this.scores(name, key, classifier, pixels);
  }

  private async scores(name: string, key: string, classifier: Classifier, pixels: Uint8Array[]): Promise<Scores[] | undefined> {
    const { inputSize, channels, preprocessing, classRange } = classifier.spec;
    const spec = { inputSize, channels, preprocessing, ...(classRange ? { classRange } : {}) };
    try {
      let answer = await this.ask({ model: name, spec, pixels });
      if (answer.routed && 'missing' in answer) {
        // The graph Node runs (batch norms folded), as files: zoo, view, stored or opened alike.
        const saved = await layersModelFiles(classifier.model);
        answer = await this.ask({ model: name, files: { json: saved['model.json'], shards: [saved['weights.bin']] }, spec, pixels });
      }
      if (!answer.routed || 'missing' in answer) return this.onNode();
      this.failing = false;
      this.answeredBy = answer.backend;
      return answer.probabilities.map((probabilities, i) => ({ probabilities, ...(answer.rangeShares ? { rangeShare: answer.rangeShares[i]! } : {}) }));
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
        this.log?.(logLine('compute-recognize-fell-back', { model: key, backend: await this.nodeBackend(), reason }));
      }
      return this.onNode();
    }
  }

  private onNode(): undefined {
    this.answeredBy = undefined;
    return undefined;
  }
}
