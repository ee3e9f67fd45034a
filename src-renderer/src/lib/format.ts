// Small formatting helpers shared by the panels.
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
export function prettyLabel(label: string): string {
  return label.replace(/_/g, ' ');
}

let counter = 0;
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** 793579520 → "757 MB", 1153433 → "1.1 MB", 350000 → "342 KB" (binary units, as download sizes are told). */
export function fileSize(bytes: number): string {
  if (bytes < 1024 ** 2) return `${bytes > 0 ? Math.max(1, Math.round(bytes / 1024)) : 0} KB`;
  const mb = bytes / 1024 ** 2;
  return `${mb >= 10 ? Math.round(mb).toLocaleString('en-US') : mb.toFixed(1)} MB`;
}
