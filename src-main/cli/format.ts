// Human-readable output for the terminal.
import type { BackendReport } from '../core/backend.ts';
import type { RecognizeResult } from '../service/recognition.ts';
import { verdict } from '../shared/confidence.ts';
import { displayLabel } from '../shared/labels.ts';

/** Rows as columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()).join('\n');
}

/** "x.jpg: error: not an image", without the file twice when the message names it already. */
export function fileError(file: string, message: string): string {
  return message.includes(file) ? `error: ${message}` : `${file}: error: ${message}`;
}

/** Where a model or dataset can be had without the network, for a table's cell. */
export function offlineText(where: 'cache' | 'mirror' | null): string {
  return where === 'cache' ? 'yes (cache)' : where === 'mirror' ? 'yes (mirror)' : 'no: download';
}

/** The line under such a table: where was looked, and how to get the rest. */
export function offlineFooter(found: ('cache' | 'mirror' | null)[], where: { cacheDir: string; mirrorDir?: string }, getRest: string): string {
  const missing = found.filter((f) => f === null).length;
  const looked = `looked in the cache ${where.cacheDir}${where.mirrorDir ? ` and the mirror ${where.mirrorDir}` : ' (no mirror: --mirror DIR or CLASSIFIER_MIRROR)'}`;
  return `\n${found.length - missing} of ${found.length} usable offline; ${looked}${missing ? `. The others download on first use, or now: ${getRest}` : ''}`;
}

/** The line that says how to use what a run made. */
export function nextStep(model: string): string {
  return `use it: classifier-studio predict <image> --model ${/\s/.test(model) ? `"${model}"` : model}`;
}

export function formatBackend(report: BackendReport): string {
  const threads = report.threads && report.threads > 1 ? `, ${report.threads} threads` : '';
  const lines = [`Backend: ${report.backend}${report.requested ? ' (requested)' : ''}${threads}`];
  for (const a of report.attempts) if (!a.ok) lines.push(`  skipped ${a.backend}: ${a.reason}`);
  return lines.join('\n');
}

/** `threshold` given: a first line says whether the best answer clears it ("not sure" when not). */
export function formatPrediction(result: RecognizeResult, threshold?: number): string {
  const width = Math.max(...result.top.map((p) => p.label.length), 5);
  const rows = result.top.map(
    // A trained model's classes have no ImageNet id: its label is not repeated.
    (p, i) => `  ${i + 1}. ${displayLabel(p.label).padEnd(width)}  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.id !== p.label ? `${p.id} ` : ''}(#${p.index})`,
  );
  const head = `${result.file}  [${result.model}, ${result.backend}, ${result.ms.toFixed(1)} ms]`;
  if (threshold === undefined) return [head, ...rows].join('\n');
  const { sure, best } = verdict(result.top, threshold);
  const answer = best ? (sure ? `  answer: ${displayLabel(best.label)}` : `  answer: not sure (best guess ${displayLabel(best.label)}, ${(best.probability * 100).toFixed(2)}% < ${(threshold * 100).toFixed(0)}%)`) : '  answer: none';
  return [head, answer, ...rows].join('\n');
}
