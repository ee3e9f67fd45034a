// Terminal rendering of training events (a one-line progress bar with ETA, an epoch table) and of downloads.
import type { TrainEvent } from '../shared/train-events.ts';
import type { DownloadProgress } from '../core/downloads/download.ts';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export function bar(done: number, total: number, width = 28): string {
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${'.'.repeat(width - filled)}]`;
}

const f4 = (v: number | undefined) => (v === undefined ? '     -' : v.toFixed(4));

export function terminalPrinter(out: NodeJS.WriteStream = process.stderr, epochs = { total: 0 }): (e: TrainEvent) => void {
  const tty = out.isTTY;
  const clear = () => tty && out.write('\r\x1b[2K');
  return (e) => {
    switch (e.event) {
      case 'start':
        epochs.total = e.epochs;
        out.write(
          `${e.network} on ${e.dataset} (${e.backend}): ${e.train} train, ${e.validation} validation, ${e.test} test; ${e.summary.totalParams.toLocaleString('en-US')} parameters\n`,
        );
        out.write('epoch   loss     acc      val_loss val_acc  lr        time\n');
        break;
      case 'dataset':
        if (tty) out.write(`\r${e.stage} ${bar(e.done, e.total)} ${e.done}/${e.total}`);
        if (e.done === e.total) clear();
        break;
      case 'batch':
        if (tty)
          out.write(
            `\rEpoch ${e.epoch}/${epochs.total} ${bar(e.step, e.steps)} ${e.step}/${e.steps} loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)} ${e.samplesPerSec.toFixed(0)}/s ETA ${duration(e.etaEpoch)} (run ${duration(e.etaRun)})`,
          );
        break;
      case 'epoch':
        clear();
        out.write(
          `${String(e.epoch).padStart(5)}   ${f4(e.loss)}   ${f4(e.accuracy)}   ${f4(e.val_loss)}   ${f4(e.val_accuracy)}   ${e.lr.toExponential(1).padEnd(8)}  ${e.seconds.toFixed(1)}s\n`,
        );
        break;
      case 'checkpoint':
        out.write(`        saved best so far (${e.monitor} ${e.value.toFixed(4)}) as "${e.model}"\n`);
        break;
      case 'lr':
        out.write(`        learning rate reduced to ${e.lr.toExponential(2)}\n`);
        break;
      case 'early-stop':
        out.write(`        early stopping after epoch ${e.epoch}; best epoch ${e.bestEpoch}\n`);
        break;
      case 'evaluation':
        out.write(`test: accuracy ${e.evaluation.accuracy.toFixed(4)}, loss ${e.evaluation.loss.toFixed(4)} on ${e.evaluation.count} images\n`);
        break;
      case 'log':
        out.write(`${e.message}\n`);
        break;
      case 'done':
        clear();
        out.write(e.cancelled ? `stopped; ${e.model ? `best checkpoint kept as "${e.model}"` : 'no epoch had finished, nothing saved'}\n` : `done: model "${e.model}"\n`);
        break;
    }
  };
}

/** --json: one line per event, leaving out the many batch and dataset-progress events; else the terminal view. */
export function printerFor(json: boolean | undefined): (e: TrainEvent) => void {
  return json ? (e) => void (e.event === 'batch' || e.event === 'dataset' ? undefined : console.log(JSON.stringify(e))) : terminalPrinter();
}

/** Commander's parser for numeric options. */
export function num(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`"${v}" is not a number`);
  return n;
}

const bytes = (n: number) => (n < 1e6 ? `${(n / 1e3).toFixed(0)} kB` : `${(n / 1e6).toFixed(1)} MB`);

/**
 * Download progress on a terminal: one bar per file, redrawn at most ten times a second, with
 * the byte count and where a resumed download took up. Elsewhere, one line per finished file.
 */
export function downloadPrinter(out: NodeJS.WriteStream = process.stderr): { progress(p: DownloadProgress): void; end(): void } {
  const tty = out.isTTY;
  let current: string | undefined;
  let drawn = 0;
  return {
    progress(p) {
      const whole = p.total !== undefined && p.received >= p.total;
      if (!tty) {
        if (whole) out.write(`downloaded ${p.file} (${p.received} bytes${p.resumedFrom ? `, resumed at ${p.resumedFrom}` : ''})\n`);
        return;
      }
      if (current !== undefined && current !== p.file) out.write('\n');
      const now = Date.now();
      if (current === p.file && !whole && now - drawn < 100) return;
      current = p.file;
      drawn = now;
      const size = p.total ? `${bytes(p.received)} / ${bytes(p.total)}` : bytes(p.received);
      const resumed = p.resumedFrom ? ` (resumed at ${bytes(p.resumedFrom)})` : '';
      out.write(`\r\x1b[2K${p.file} ${bar(p.received, p.total ?? 0)} ${size}${resumed}`);
    },
    end() {
      if (tty && current !== undefined) out.write('\n');
      current = undefined;
    },
  };
}
