// A Recognizer that runs in a worker thread (recognition.worker.ts): what the desktop app uses,
// so compute stays off the Electron main thread. The CLI and tests use RecognitionService directly.
import type { ExplainReply, FeatureMapsView, ModelSummaryView, RecognizeReply } from '../contract.ts';
import type { BackendReport } from '../core/backend.ts';
import type { Candidate } from '../core/compute/choose.ts';
import { startWorker, workerClient, workerEntry } from '../core/threads.ts';
import type { PageScoreAnswer } from '../core/compute/page-route.ts';
import type { FromRecognizer, PageAnswerMessage, ToRecognizer } from './recognition.worker.ts';
import type { AskPage, ForgetOnPage } from './page-scoring.ts';
import type { RecognizeFailure, RecognizerStats, ServiceOptions } from './recognition.ts';
import type { Recognizer } from './studio.ts';
import type { LogLine } from '../shared/log-messages.ts';
import { CodedError, toSentError, type SentError } from '../shared/errors.ts';

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export function threadRecognizer(
  options: Omit<ServiceOptions, 'onDownload' | 'log' | 'fetch' | 'page' | 'pageForget'>,
  /**
   * page: main's PageRoute, which the thread's models score through while the compute page
   * computes; pageForget: its forget, for the models the thread drops.
   */
  events: { onDownload?: ServiceOptions['onDownload']; log?: (line: LogLine) => void; page?: AskPage; pageForget?: ForgetOnPage } = {},
): Recognizer {
  const { page } = events;
  const answer = (call: number, reply: { answer: PageScoreAnswer } | SentError) => client.tell({ type: 'page-answer', call, ...reply } satisfies PageAnswerMessage);
  // Started on first use, and again after a crash: one bad image must not end recognition.
  const client = workerClient(() => startWorker(workerEntry('./recognition.worker.ts', import.meta.url), { ...options, ...(page ? { routeToPage: true } : {}) }), {
    onOther: (message) => {
      const m = message as Exclude<FromRecognizer, { id: number }>;
      if (m.type === 'download') events.onDownload?.({ file: m.file, url: '', received: m.received, total: m.total });
      else if (m.type === 'page')
        void (page ? page(m.req) : Promise.resolve<PageScoreAnswer>({ routed: false })).then(
          (a) => answer(m.call, { answer: a }),
          (err: unknown) => answer(m.call, toSentError(err)),
        );
      else if (m.type === 'page-forget') events.pageForget?.(m.model);
      else events.log?.(m.line);
    },
  });
  const ask = <T>(m: Distribute<ToRecognizer>) => client.ask<T>(m, { failure: (why) => new CodedError('recognition-worker-stopped', `The recognition worker ${why}.`) });

  return {
    backend: () => ask<BackendReport>({ type: 'backend' }),
    recognize: (req) => ask<RecognizeReply>({ type: 'recognize', req }),
    explain: (req) => ask<ExplainReply>({ type: 'explain', req }),
    summary: (spec) => ask<ModelSummaryView>({ type: 'summary', spec }),
    featureMaps: (req) => ask<FeatureMapsView>({ type: 'feature-maps', req }),
    recognizeMany: (req) => ask<(RecognizeReply | RecognizeFailure)[]>({ type: 'recognizeMany', req }),
    forget: (spec) => void ask({ type: 'forget', spec }).catch(() => undefined),
    stats: () => ask<RecognizerStats>({ type: 'stats' }),
    measure: () => ask<Candidate[]>({ type: 'measure' }),
    dispose: () => client.dispose(),
  };
}
