// Small formatting helpers shared by the panels.
import { displayLabel } from '../../../src-main/shared/labels';
export function percent(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)}%`;
}

/** A probability for people: "<0.1%" rather than a misleading "0.0%". */
export function probability(p: number): string {
  return p > 0 && p < 0.0005 ? '<0.1%' : percent(p);
}

/** 75 → "1:15", 3725 → "1:02:05" */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** ImageNet labels come with underscores ("African_elephant"). */
/** A label as people read it: one function for the app, the CLI and the CSV (shared/labels.ts). */
export const prettyLabel = displayLabel;

/**
 * A label in lines of at most `width` characters, broken between words, at most `lines` of them:
 * what is left over ends the last line with an ellipsis. A chart's axis then shows the start of
 * a long label whole ("Greater Swiss / Mountain dog") instead of cutting it on the left.
 */
export function wrapLabel(label: string, width = 16, lines = 2): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of label.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  const kept = out.slice(0, lines).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (out.length > lines) {
    const last = kept[lines - 1]!;
    kept[lines - 1] = `${last.length >= width ? last.slice(0, width - 1) : last}…`;
  }
  return kept;
}

let counter = 0;
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** 10457307 → "10.5 MB"; 35366 → "35 KB" (decimal units, as download sizes are usually given). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${Math.round(n / 1e3)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
