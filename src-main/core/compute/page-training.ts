// Training routed to the compute page when the backend that computes is one of the page's GPU
// backends: the main process's half. A run stays on Node (the training thread: its data, loop,
// callbacks and checkpoints); its batches' model work comes here, through the service, as session
// calls (session.ts), and goes on to the page. Whether the run goes back to Node when the page fails
// is the run's to decide (training/routed-fit.ts). No Electron import, as page-route.ts.
import type { ComputeClient } from './client.ts';
import type { GpuLoss } from './gpu-loss.ts';
import { usable, type PageUse } from './page-route.ts';
import type { SessionAnswers, SessionCall } from './session.ts';

export type PageTrainingClient = Pick<ComputeClient, 'session' | 'lostGpu'>;

/** The relay's view of it: a session call by the run's session name (the service's, and a test's). */
export type TrainOnPage = (name: string, call: SessionCall) => Promise<unknown>;

export class PageTraining {
  /** Sessions begun and not ended: a run that died without ending its own is ended by `end`. */
  private readonly open = new Set<string>();

  /** `using` says, at each run's start, whether the page computes now and on what. */
  constructor(
    private readonly client: PageTrainingClient,
    private readonly using: () => PageUse | undefined,
  ) {}

  /** What a run started now computes on; undefined: Node (the choice is Node's, or its GPU was lost: page-route.ts `usable`). */
  use(): PageUse | undefined {
    return usable(this.using(), this.client);
  }

  /** The chosen page backend and how its GPU was lost, when that keeps a new run on Node. */
  lost(): { backend: PageUse['backend']; loss: GpuLoss } | undefined {
    const use = this.using();
    const loss = use && this.client.lostGpu(use.backend);
    return use && loss ? { backend: use.backend, loss } : undefined;
  }

  call<C extends SessionCall>(name: string, call: C): Promise<SessionAnswers[C['op']]> {
    if (call.op === 'begin') this.open.add(name);
    if (call.op === 'end') this.open.delete(name);
    return this.client.session(name, call);
  }

  /** Frees a session whose run ended without saying so (its thread died). */
  end(name: string): void {
    if (this.open.delete(name)) void this.client.session(name, { op: 'end' }).catch(() => undefined);
  }
}
