// The recognition worker: models load and images are classified here, off the Electron main
// thread, so a 25M-parameter ResNet50 warming up never freezes the window.
import { parentPort, workerData } from 'node:worker_threads';
import type { LogLine } from '../shared/log-messages.ts';
import type { PageScoreAnswer, PageScoreCall } from '../core/compute/page-route.ts';
import { fromSentError, toSentError, type SentError } from '../shared/errors.ts';
import { collect, RecognitionService, type ExplainRequest, type RecognizeManyRequest, type FeatureMapsRequest, type RecognizeRequest, type ServiceOptions } from './recognition.ts';

export type ToRecognizer =
  | { id: number; type: 'backend' }
  | { id: number; type: 'recognize'; req: RecognizeRequest }
  | { id: number; type: 'explain'; req: ExplainRequest }
  | { id: number; type: 'summary'; spec: string }
  | { id: number; type: 'feature-maps'; req: FeatureMapsRequest }
  | { id: number; type: 'recognizeMany'; req: RecognizeManyRequest }
  | { id: number; type: 'forget'; spec: string }
  | { id: number; type: 'stats' }
  | { id: number; type: 'measure' };
/** Main's answer to a page-scores question of the worker's (its PageRoute's). */
export type PageAnswerMessage = { type: 'page-answer'; call: number } & ({ answer: PageScoreAnswer } | SentError);
export type FromRecognizer =
  | { id: number; ok: true; value: unknown }
  | ({ id: number; ok: false } & SentError)
  | { type: 'download'; file: string; received: number; total?: number }
  | { type: 'log'; line: LogLine }
  /** Pictures to score in the compute page: main asks its PageRoute and answers with page-answer. */
  | { type: 'page'; call: number; req: PageScoreCall }
  /** A model name the page will not be asked for again: main's PageRoute frees it there. */
  | { type: 'page-forget'; model: string };

const port = parentPort!;
const { routeToPage, ...options } = (workerData as { data: Omit<ServiceOptions, 'onDownload' | 'log' | 'fetch' | 'page' | 'pageForget'> & { routeToPage?: boolean } }).data;
const post = (m: FromRecognizer) => port.postMessage(m);

// The compute page is main's (its window's port cannot come here): questions go up, answers come back.
const asked = new Map<number, { resolve(a: PageScoreAnswer): void; reject(e: Error): void }>();
let calls = 0;
const askPage = (req: PageScoreCall) =>
  new Promise<PageScoreAnswer>((resolve, reject) => {
    const call = ++calls;
    asked.set(call, { resolve, reject });
    post({ type: 'page', call, req });
  });

const service = new RecognitionService({
  ...options,
  onDownload: (p) => post({ type: 'download', file: p.file, received: p.received, total: p.total }),
  log: (line) => post({ type: 'log', line }),
  ...(routeToPage ? { page: askPage, pageForget: (model: string) => post({ type: 'page-forget', model }) } : {}),
});

port.on('message', async (m: ToRecognizer | PageAnswerMessage) => {
  if (m.type === 'page-answer') {
    const waiting = asked.get(m.call);
    asked.delete(m.call);
    if ('answer' in m) waiting?.resolve(m.answer);
    else waiting?.reject(fromSentError(m));
    return;
  }
  try {
    const value =
      m.type === 'backend'
        ? await service.backend()
        : m.type === 'recognize'
          ? await service.recognize(m.req)
          : m.type === 'explain'
            ? await service.explain(m.req)
            : m.type === 'summary'
              ? await service.summary(m.spec)
              : m.type === 'feature-maps'
                ? await service.featureMaps(m.req)
                : m.type === 'recognizeMany'
                  ? await collect(service.recognizeMany(m.req))
                  : m.type === 'stats'
                    ? service.stats()
                    : m.type === 'measure'
                      ? await service.measure()
                      : service.forget(m.spec);
    post({ id: m.id, ok: true, value });
  } catch (err) {
    post({ id: m.id, ok: false, ...toSentError(err) });
  }
});
