// A Recognizer that runs in a worker thread (recognition.worker.ts): what the desktop app uses,
// so compute stays off the Electron main thread. The CLI and tests use RecognitionService directly.
import type { ExplainReply, FeatureMapsView, ModelSummaryView, RecognizeReply } from '../contract.ts';
import type { BackendReport } from '../core/backend.ts';
import type { Candidate } from '../core/compute/choose.ts';
import { startWorker, workerClient, workerEntry } from '../core/threads.ts';
import type { FromRecognizer, ToRecognizer } from './recognition.worker.ts';
import type { RecognizeFailure, RecognizerStats, ServiceOptions } from './recognition.ts';
import type { Recognizer } from './studio.ts';
import type { LogLine } from '../shared/log-messages.ts';

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export function threadRecognizer(
  options: Omit<ServiceOptions, 'onDownload' | 'log' | 'fetch'>,
  events: { onDownload?: ServiceOptions['onDownload']; log?: (line: LogLine) => void } = {},
): Recognizer {
  // Started on first use, and again after a crash: one bad image must not end recognition.
  const client = workerClient(() => startWorker(workerEntry('./recognition.worker.ts', import.meta.url), options), {
    onOther: (message) => {
      const m = message as Exclude<FromRecognizer, { id: number }>;
      if (m.type === 'download') events.onDownload?.({ file: m.file, url: '', received: m.received, total: m.total });
      else events.log?.(m.line);
    },
  });
  const ask = <T>(m: Distribute<ToRecognizer>) => client.ask<T>(m, { failure: (why) => new Error(`The recognition worker ${why}.`) });

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
