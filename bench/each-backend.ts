// Runs a bench script once per backend, each in a child process of its own (a process keeps
// one backend), and collects the JSON rows each child prints as its last line.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from '../src-main/core/backend.ts';

const runTs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/run-ts.js');

/** A further child run: a backend under other settings, its rows labelled `label`. */
export interface ExtraRun {
  backend: string;
  label: string;
  env?: Record<string, string>;
  args?: string[];
}

export function runPerBackend<Row>(script: string, extraArgs: string[] = [], extraRuns: ExtraRun[] = []): Row[] {
  const rows: Row[] = [];
  const runs: ExtraRun[] = [...BACKENDS.map((backend) => ({ backend, label: backend })), ...extraRuns];
  for (const { backend, label, env, args } of runs) {
    try {
      const out = execFileSync(process.execPath, [runTs, script, '--child', backend, '--label', label, ...extraArgs, ...(args ?? [])], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      rows.push(...(JSON.parse(out.trim().split('\n').at(-1)!) as Row[]));
    } catch (err) {
      const text = (err as { stderr?: string }).stderr ?? String(err);
      const reason = text.split('\n').find((l) => /^\w*Error: /.test(l)) ?? text.split('\n')[0];
      console.error(`${label}: skipped (${reason})`);
    }
  }
  return rows;
}

/** The value after `--name` in argv, if any. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
