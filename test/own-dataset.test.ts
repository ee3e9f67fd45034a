// One's own classes through the real CLI: photos added with `dataset add` (checked, copied,
// stored once by content), shown with `dataset show`, then `transfer` with no settings on the
// folder (no test/ folder: a held-out test set; settings chosen from its size) and `predict`
// with the stored model on other real photos.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/cli.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';

const cifar = path.join(sharedDir, 'datasets/cifar10/train');
const cifarFile = (cls: string, k: number) => path.join(cifar, cls, `${String(k).padStart(4, '0')}.jpg`);

/** Every file under `dir` with its bytes, hidden ones included (a leftover temporary copy would show). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const cls of await readdir(dir)) {
    for (const f of await readdir(path.join(dir, cls))) out.set(`${cls}/${f}`, (await readFile(path.join(dir, cls, f))).toString('base64'));
  }
  return out;
}

/** The imagenet-dev photos of dogs (classes 151-268) and of birds, by class index. */
async function dogsAndBirds(): Promise<{ dogs: string[]; birds: string[] }> {
  const rows = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const isBird = (i: number) => (i >= 7 && i <= 24) || (i >= 80 && i <= 100) || (i >= 127 && i <= 146);
  const pick = (keep: (i: number) => boolean) => rows.filter((r) => keep(Number(r[1]))).map((r) => path.join(imagenetDevDir, r[0]!));
  return { dogs: pick((i) => i >= 151 && i <= 268), birds: pick(isBird) };
}

describe('dataset add / show', () => {
  it('stores the same photo once, says where it already is, and shows classes with counts', async () => {
    const dir = path.join(await tempDir('cs-own-'), 'pets');
    const first = await runCli(['dataset', 'add', dir, 'dog', cifarFile('dog', 0), cifarFile('dog', 1), cifarFile('dog', 0), '--json']);
    expect(first.code).toBe(0);
    const lines = jsonLines(first.stdout);
    expect(lines.map((l) => l.status)).toEqual(['added', 'added', 'present']);
    expect(lines[2]!.stored).toBe(lines[0]!.stored);
    expect(lines[0]!.stored).toMatch(/^dog\/[0-9a-f]{16}\.jpg$/);

    // In another class: refused, naming the class it is in; the other photo is still added.
    const again = await runCli(['dataset', 'add', dir, 'bird', cifarFile('dog', 1), cifarFile('bird', 0)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${cifarFile('dog', 1)}: the same image is already in class "dog"`);
    expect(again.stdout).toMatch(/bird\/[0-9a-f]{16}\.jpg/);

    const show = await runCli(['dataset', 'show', dir, '--json']);
    expect(show.code).toBe(0);
    expect(show.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(show.stdout)).toEqual({
      classes: [
        { name: 'bird', count: 1 },
        { name: 'dog', count: 2 },
      ],
      images: 3,
    });
  });

  it('refuses what is not a whole image, naming each file, and leaves the dataset as it was', async () => {
    const tmp = await tempDir('cs-own-bad-');
    const dir = path.join(tmp, 'pets');
    expect((await runCli(['dataset', 'add', dir, 'dog', cifarFile('dog', 0), cifarFile('dog', 1)])).code).toBe(0);
    expect((await runCli(['dataset', 'add', dir, 'bird', cifarFile('bird', 0)])).code).toBe(0);
    const before = await snapshot(dir);

    const text = path.join(tmp, 'x.jpg');
    await writeFile(text, 'this is not a photo\n');
    const truncated = path.join(tmp, 'half.jpg');
    const photo = await readFile(path.join(imagenetDevDir, 'n01530575_brambling.JPEG'));
    await writeFile(truncated, photo.subarray(0, photo.length >> 1));
    const empty = path.join(tmp, 'empty.png');
    await writeFile(empty, '');
    const toFolder = path.join(tmp, 'folder.jpg');
    await mkdir(path.join(tmp, 'somewhere'));
    await symlink(path.join(tmp, 'somewhere'), toFolder);
    const missing = path.join(tmp, 'missing.jpg');

    const run = await runCli(['dataset', 'add', dir, 'dog', text, truncated, cifarFile('dog', 2), empty, toFolder, missing, '--json']);
    expect(run.code).toBe(1);
    const byFile = new Map(jsonLines(run.stdout).map((l) => [l.file, l]));
    const refused = [
      [text, 'not-an-image'],
      [truncated, 'truncated'],
      [empty, 'not-an-image'],
      [toFolder, 'not-a-file'],
      [missing, 'unreadable'],
    ] as const;
    for (const [file, reason] of refused) {
      expect(byFile.get(file)).toMatchObject({ status: 'refused', reason });
      expect(byFile.get(file)!.error).toContain(file);
    }
    expect(byFile.get(cifarFile('dog', 2))!.status).toBe('added');

    // The text run names the file too; exit 1.
    const plain = await runCli(['dataset', 'add', dir, 'dog', text]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`${text}: not an image`);

    const after = await snapshot(dir);
    for (const [name, bytes] of before) expect(after.get(name)).toBe(bytes);
    expect([...after.keys()].filter((k) => !before.has(k))).toEqual([byFile.get(cifarFile('dog', 2))!.stored]);
    expect([...after.keys()].some((k) => path.basename(k).startsWith('.'))).toBe(false);
  });

  it('moves and removes images', async () => {
    const dir = path.join(await tempDir('cs-own-edit-'), 'pets');
    const added = jsonLines((await runCli(['dataset', 'add', dir, 'cat', cifarFile('dog', 0), cifarFile('dog', 1), '--json'])).stdout);
    const [a, b] = added.map((l) => l.stored as string);
    const mv = await runCli(['dataset', 'mv', dir, path.basename(a!), 'dog', '--json']);
    expect(JSON.parse(mv.stdout)).toEqual({ from: a, stored: `dog/${path.basename(a!)}` });
    const rm = await runCli(['dataset', 'rm', dir, b!, 'cat/nothing.jpg']);
    expect(rm.code).toBe(1);
    expect(rm.stdout).toContain(`removed ${b}`);
    expect(rm.stderr).toContain('cat/nothing.jpg: no such image');
    expect(JSON.parse((await runCli(['dataset', 'show', dir, '--json'])).stdout)).toEqual({
      classes: [
        { name: 'cat', count: 0 },
        { name: 'dog', count: 1 },
      ],
      images: 1,
    });
  });
});

describe("transfer on one's own photos, with no settings", () => {
  it('holds out a test set, chooses its settings from the size, and recognizes other photos', async () => {
    const tmp = await tempDir('cs-own-transfer-');
    const dir = path.join(tmp, 'pets');
    const [cacheDir, storeDir] = [path.join(tmp, 'cache'), path.join(tmp, 'store')];
    const storage = ['--mirror', mirrorDir, '--cache', cacheDir, '--store', storeDir, '--offline'];
    // imagenet-dev has 23 dogs and 12 birds: two thirds of each are added, the rest are for predict.
    const { dogs, birds } = await dogsAndBirds();
    const train = (list: string[]) => list.filter((_, i) => i % 3 !== 2);
    const unseen = [...dogs, ...birds].filter((f, i, all) => !train(dogs).includes(f) && !train(birds).includes(f) && all.indexOf(f) === i);
    expect((await runCli(['dataset', 'add', dir, 'dog', ...train(dogs)])).code).toBe(0);
    expect((await runCli(['dataset', 'add', dir, 'bird', ...train(birds)])).code).toBe(0);
    expect(JSON.parse((await runCli(['dataset', 'show', dir, '--json'])).stdout)).toEqual({
      classes: [
        { name: 'bird', count: 8 },
        { name: 'dog', count: 16 },
      ],
      images: 24,
    });

    const run = await runCli(['transfer', '--dataset', dir, '--out', 'pets', '--json', ...storage]);
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const logs = events.filter((e) => e.event === 'log').map((e) => e.message as string);
    expect(logs.some((m) => m.includes('has no test/ folder: 5 images'))).toBe(true);
    expect(logs.some((m) => /settings for \d+ training images: batch size \d+ and \d+ epochs/.test(m))).toBe(true);
    const start = events.find((e) => e.event === 'start')!;
    expect(start.test).toBe(5);
    expect(start.stepsPerEpoch as number).toBeGreaterThanOrEqual(8);
    expect((start.stepsPerEpoch as number) * (start.epochs as number)).toBeGreaterThanOrEqual(150);
    const evaluation = events.find((e) => e.event === 'evaluation')!.evaluation as { count: number; confusion: number[][] };
    expect(evaluation.count).toBe(5);
    expect(evaluation.confusion.flat().reduce((s, n) => s + n, 0)).toBe(5);

    const predict = await runCli(['predict', '--model', 'pets', '--top', '1', '--json', '--mirror', mirrorDir, '--cache', cacheDir, '--store', storeDir, '--offline', ...unseen]);
    expect(predict.code, predict.stderr).toBe(0);
    const answers = jsonLines(predict.stdout);
    expect(answers).toHaveLength(unseen.length);
    const right = answers.filter((r) => (r.top as { label: string }[])[0]!.label === (dogs.includes(r.file as string) ? 'dog' : 'bird')).length;
    console.log(`own photos: ${right}/${unseen.length} unseen photos right (${((100 * right) / unseen.length).toFixed(1)}%)`);
    // 11 photos: one may go either way between runs on a loaded machine (10/11 was seen once in CI,
    // 11/11 otherwise); answering 'dog' to everything gets 7/11, a random head about half.
    expect(right).toBeGreaterThanOrEqual(unseen.length - 1);
  });
});
