// Recently opened images, kept across restarts. Main also treats them as paths the user chose:
// reopening one from the list needs no new dialog.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/store/atomic.ts';

const MAX = 10;

export class RecentFiles {
  private list: string[] | undefined;

  constructor(
    private readonly file: string,
    private readonly max = MAX,
  ) {}

  async all(): Promise<string[]> {
    if (!this.list) {
      try {
        const raw: unknown = JSON.parse(await readFile(this.file, 'utf8'));
        this.list = Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string' && path.isAbsolute(p)).slice(0, this.max) : [];
      } catch {
        this.list = [];
      }
    }
    return [...this.list];
  }

  async has(file: string): Promise<boolean> {
    return (await this.all()).includes(file);
  }

  async add(file: string): Promise<void> {
    const next = [file, ...(await this.all()).filter((p) => p !== file)].slice(0, this.max);
    this.list = next;
    await writeFileAtomic(this.file, JSON.stringify(next));
  }
}
