// Error text that goes back to the window: main's own absolute paths (its working folder, the
// model cache, the store, the app's install folder) tell a hostile page where things are and
// whether they exist, so they are cut to their last part. Paths the user chose stay whole:
// the page knows them already, and the user needs them to act on the error.
import type { StudioEvent } from '../contract.ts';
import type { LogLine } from '../shared/log-messages.ts';

/** An absolute path starts with `/` and a name (a lone slash is a fraction), `C:\` or `C:/`, or `\\server`, maybe behind `file://`. */
const START = String.raw`(?:file:\/\/\/?)?(?:\/(?=[^\s/'"\x60])|[A-Za-z]:[\\/]|\\\\)`;
/** Node quotes the paths in its fs errors, and a quoted path may hold spaces. */
const QUOTED = new RegExp(String.raw`(['"\x60])(${START}[^'"\x60\n]*)\1`, 'g');
/**
 * Unquoted, a path ends at a space. Nothing a word, a dot, a colon or a slash comes right before
 * starts one: that is a URL's path or a relative path (or a path this already cut).
 */
const BARE = new RegExp(String.raw`(?<![\w.:/\\~@…-])${START}[^\s'"\x60<>|,;()[\]{}]*`, 'g');

const lastPart = (p: string) =>
  p
    .split(/[\\/]+/)
    .filter(Boolean)
    .pop() ?? '';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `message` with every absolute path outside `keep` (files or folders the user chose) cut to
 * `…/name` (to `name` when `bare`). Kept paths are matched as written first, so one with spaces
 * survives unquoted too.
 */
export function redactPaths(message: string, keep: Iterable<string> = [], bare = false): string {
  const mark = bare ? '' : '…/';
  const kept = [...new Set(keep)].filter((k) => k.length > 1).sort((a, b) => b.length - a.length);
  const held: string[] = [];
  const hold = (m: string) => `\u0000${held.push(m) - 1}\u0000`;
  let text = message;
  for (const k of kept) {
    // Inside a kept folder is kept too (up to the next space or quote); "/a/b" keeps no "/a/bc".
    text = text.replace(new RegExp(escape(k) + String.raw`(?:[\\/][^\s'"\x60]*|(?=$|[\s'"\x60,;:)\]}>]|\.(?:\s|$)))`, 'g'), hold);
  }
  text = text.replace(QUOTED, (_m, quote: string, p: string) => `${quote}${mark}${lastPart(p)}${quote}`).replace(BARE, (p) => `${mark}${lastPart(p)}`);
  return text.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => held[Number(i)]!);
}

/**
 * A log event on its way to the window: the files and folders it names by their bare names, `pets`
 * for /home/ann/pets (a log line is read, not acted on, and runs name files deep in the user's
 * dataset and main's caches; the window needs no path, and `…/pets` reads as a cut word).
 */
export function redactLogEvent(e: StudioEvent): StudioEvent {
  if (e.type === 'log') return { ...e, ...redactLine(e) };
  if (e.type === 'training' && e.event.event === 'log') return { ...e, event: { ...e.event, ...redactLine(e.event) } };
  return e;
}

/** A value that is one absolute path as a whole (spaces and all): a folder or file a line names. */
const WHOLE = new RegExp(String.raw`^${START}[^\n'"\x60]*$`);

function redactLine(line: LogLine): LogLine {
  const cut = <T extends Record<string, string | number>>(params: T) =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v !== 'string' ? v : WHOLE.test(v) ? lastPart(v) : redactPaths(v, [], true)])) as T;
  // The values that are whole paths are cut whole in the text too (a path with a space would not be).
  const whole = Object.values(line.params).filter((v): v is string => typeof v === 'string' && WHOLE.test(v));
  const message = [...new Set(whole)].sort((a, b) => b.length - a.length).reduce((text, p) => text.split(p).join(lastPart(p)), line.message);
  return {
    code: line.code,
    params: cut(line.params),
    message: redactPaths(message, [], true),
    ...(line.reason ? { reason: { code: line.reason.code, params: cut(line.reason.params) } } : {}),
    ...(line.words ? { words: line.words } : {}),
  };
}
