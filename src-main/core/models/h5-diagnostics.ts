// What h5wasm prints while it reads a file: the HDF5 library's error stacks ("HDF5-DIAG: Error
// detected in HDF5 ...", one "#NNN: <source> line N in <function>(): <message>" line per frame)
// and emscripten's warnings (such as "Invalid UTF-8 leading byte 0xff encountered when
// deserializing a UTF-8 string"). h5.worker.ts keeps them from stdout and stderr; this turns
// them into the few words a failed read's error message gains.

const FRAME = /^\s*#(\d+):.*? in [\w.]+\(\): (.+)$/;

/**
 * A short account of what went wrong, from what h5wasm printed during one read: the innermost
 * frame of the first HDF5 error stack, and whether a name in the file was not valid UTF-8.
 * Undefined when it says nothing useful.
 */
export function summarizeH5Output(printed: string): string | undefined {
  const lines = printed.split('\n');
  const parts: string[] = [];
  // The first stack is the cause; later ones are often the clean-up failing after it.
  let first: { depth: number; message: string } | undefined;
  let stacks = 0;
  for (const line of lines) {
    if (line.startsWith('HDF5-DIAG:')) stacks++;
    const frame = stacks === 1 ? FRAME.exec(line) : null;
    if (frame && (!first || Number(frame[1]) >= first.depth)) first = { depth: Number(frame[1]), message: frame[2]!.trim() };
  }
  if (first) parts.push(`HDF5: ${first.message}`);
  if (lines.some((l) => /Invalid UTF-8/i.test(l))) parts.push('a name or text in the file is not valid UTF-8');
  return parts.length ? parts.join('; ') : undefined;
}

/** A failed read's message with what h5wasm printed meanwhile, when that adds anything. */
export function withH5Output(message: string, printed: string): string {
  const summary = summarizeH5Output(printed);
  return summary && !message.includes(summary) ? `${message} (${summary})` : message;
}
