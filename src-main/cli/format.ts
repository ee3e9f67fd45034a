// Human-readable output for the terminal.
import type { BackendReport } from '../core/backend.ts';
import type { Heatmap } from '../core/images/heatmap.ts';
import type { RecognizeResult } from '../service/recognition.ts';
import { verdict } from '../shared/confidence.ts';
import { displayLabel } from '../shared/labels.ts';

/** Rows as columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows
    .map((r) =>
      r
        .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "x.jpg: error: not an image", without the file twice when the message names it already. */
export function fileError(file: string, message: string): string {
  return message.includes(file) ? `error: ${message}` : `${file}: error: ${message}`;
}

/** Where a model or dataset can be had without the network, for a table's cell; with what a download would fetch when known. */
export function offlineText(where: 'cache' | 'mirror' | null, downloadBytes?: number): string {
  if (where) return `yes (${where})`;
  return downloadBytes === undefined ? 'no: download' : `no: download ${(downloadBytes / 1e6).toFixed(1)} MB`;
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

/** A heatmap as a small block of shades, ' ' (0) to '@' (1), two characters a cell so it looks square. */
export function heatmapText(h: Heatmap, indent = '     '): string {
  const shades = ' .:-=+*#%@';
  const rows: string[] = [];
  for (let y = 0; y < h.height; y++) {
    rows.push(indent + Array.from(h.values.slice(y * h.width, (y + 1) * h.width), (v) => shades[Math.min(9, Math.floor(v * 10))]!.repeat(2)).join(''));
  }
  return rows.join('\n');
}

/**
 * `threshold` given: a first line says whether the best answer clears it ("not sure" when not).
 * Warnings follow the answers; `heatmaps`: each answer's heatmap in shades; `overlay`: where its picture went.
 */
export function formatPrediction(result: RecognizeResult, threshold?: number, extra: { heatmaps?: boolean; overlay?: string } = {}): string {
  const width = Math.max(...result.top.map((p) => p.label.length), 5);
  const rows = result.top.map(
    // A trained model's classes have no ImageNet id: its label is not repeated.
    (p, i) =>
      `  ${i + 1}. ${displayLabel(p.label).padEnd(width)}  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.id !== p.label ? `${p.id} ` : ''}(#${p.index})` +
      (extra.heatmaps && p.heatmap ? `\n${heatmapText(p.heatmap)}` : ''),
  );
  const instead = result.requested ? ` answering for ${result.requested}, which is not built yet: classifier-studio models build ${result.requested}` : '';
  const head = `${result.file}  [${result.model}, ${result.backend}, ${result.ms.toFixed(1)} ms]${instead}`;
  const tail = [
    ...result.warnings.map((w) => `  warning: ${w.message}`),
    ...(extra.heatmaps && result.layer ? [`  heatmaps from layer ${result.layer}`] : []),
    ...(extra.overlay ? [`  heatmap of ${displayLabel(result.top[0]?.label ?? '')}: ${extra.overlay}`] : []),
  ];
  if (threshold === undefined) return [head, ...rows, ...tail].join('\n');
  const { sure, best } = verdict(result.top, threshold, result.warnings);
  const answer = best
    ? sure
      ? `  answer: ${displayLabel(best.label)}`
      : `  answer: not sure (best guess ${displayLabel(best.label)}, ${(best.probability * 100).toFixed(2)}% < ${(threshold * 100).toFixed(0)}%)`
    : '  answer: none';
  return [head, answer, ...rows, ...tail].join('\n');
}
