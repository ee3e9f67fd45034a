// `classifier-studio predict *.jpg --json | head -1`: head reads its line and closes the pipe,
// and the next write fails with EPIPE. Unhandled, that error reached the uncaught-exception
// handler of tfjs' wasm runtime (Emscripten), which rethrew it: exit code 7 and its minified
// source on stderr. A closed pipe is no failure of ours: the command ends at once, quietly,
// with exit code 0, as `git log | head` does. A command cut short this way stops like one
// interrupted (a training run is left resumable); other write errors still fail, with code 1.

interface Output {
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
}

export function endQuietlyOnClosedPipe(
  stdout: Output = process.stdout,
  stderr: Output & { write(text: string): unknown } = process.stderr,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stdout.on('error', (err) => {
    if (err.code === 'EPIPE') return exit(0);
    try {
      stderr.write(`error: cannot write the output: ${err.message}\n`);
    } finally {
      exit(1);
    }
  });
  // Nothing can be said about a broken stderr; a closed one (`2>&1 | head`) is the same pipe.
  stderr.on('error', (err) => exit(err.code === 'EPIPE' ? 0 : 1));
}
