// Compressed files that cannot be trusted (issue 17): gzip bombs posing as IDX files, CIFAR
// batches and tar archives whose headers claim gigabytes. Each is refused with an error naming
// the file, within a memory bound measured in a child process.
import { mkdir, open, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetPlaces } from '../src-main/core/datasets/catalog.ts';
import { readCifarBatch } from '../src-main/core/datasets/cifar.ts';
import { readIdx } from '../src-main/core/datasets/idx.ts';
import { importDatasetFiles } from '../src-main/core/datasets/import.ts';
import { extractTarGz } from '../src-main/core/datasets/tar.ts';
import { boundedRead } from './helpers/bounded.ts';
import { tempDir } from './helpers/shared.ts';

let dir: string;
/** One gzip member of 64 MiB of zeros (64 KiB compressed): members concatenate into a bomb of any size. */
let zeros64: Buffer;

beforeAll(async () => {
  dir = await tempDir('cs-archives-');
  zeros64 = gzipSync(Buffer.alloc(64 * 1024 ** 2), { level: 9 });
});

function idxHeader(dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

async function sparse(file: string, bytes: number): Promise<void> {
  const h = await open(file, 'w');
  await h.truncate(bytes);
  await h.close();
}

describe('IDX files', () => {
  it('stops a gzip bomb after the data its header declares', async () => {
    const file = path.join(dir, 'bomb-images-idx3-ubyte.gz');
    const head = gzipSync(Buffer.concat([idxHeader([10, 28, 28]), Buffer.alloc(7840, 7)]));
    await writeFile(file, Buffer.concat([head, ...Array(16).fill(zeros64)])); // 1 GiB of zeros after the data
    const r = await boundedRead('idx', file);
    expect(r.error).toBe(`IdxError: ${file}: more than 7840 unexpected bytes after the 10x28x28 data`);
    expect(r.growthMiB).toBeLessThan(300);
  });

  it('refuses a header that declares more than the limit before reading the data', async () => {
    const file = path.join(dir, 'huge-images-idx3-ubyte.gz');
    await writeFile(file, Buffer.concat([gzipSync(idxHeader([2000, 1000, 1000])), ...Array(16).fill(zeros64)]));
    const r = await boundedRead('idx', file);
    expect(r.error).toBe(`IdxError: ${file}: the header declares 2000x1000x1000 = 2000000000 bytes of data, over the limit of 1 GiB`);
    expect(r.growthMiB).toBeLessThan(300);
    // A header within the limit that a small gzip cannot fill is refused before its buffer is taken.
    const small = path.join(dir, 'small-images-idx3-ubyte.gz');
    await writeFile(small, gzipSync(idxHeader([1000, 1000, 1000])));
    await expect(readIdx(small, 2051)).rejects.toThrow(`${small}: truncated: the header promises 1000x1000x1000 = 1000000000 bytes of data, more than`);
  });

  it('refuses plain files over the limit, and devices, unread', async () => {
    const big = path.join(dir, 'big-images-idx3-ubyte');
    await sparse(big, 4 * 1024 ** 3);
    await expect(readIdx(big)).rejects.toThrow(`${big}: the IDX file is 4 GiB, over the limit of 1 GiB`);
    const zero = path.join(dir, 'zero-labels-idx1-ubyte');
    await symlink('/dev/zero', zero);
    await expect(readIdx(zero)).rejects.toThrow(`${zero}: a device, not a regular file`);
  });

  it('still reads a good file, gzipped or plain, and names a truncated one', async () => {
    const data = Buffer.concat([idxHeader([3, 2, 2]), Buffer.from([...Array(12).keys()])]);
    for (const [name, bytes] of [
      ['ok.gz', gzipSync(data)],
      ['ok', data],
    ] as const) {
      await writeFile(path.join(dir, name), bytes);
      const got = await readIdx(path.join(dir, name), 2051);
      expect(got.dims).toEqual([3, 2, 2]);
      expect([...got.data]).toEqual([...Array(12).keys()]);
    }
    const cut = path.join(dir, 'cut.gz');
    await writeFile(cut, gzipSync(data).subarray(0, 25));
    await expect(readIdx(cut)).rejects.toThrow(`${cut}: the gzip data is truncated`);
  });
});

describe('CIFAR batches', () => {
  it('are bounded and regular files', async () => {
    const big = path.join(dir, 'data_batch_1.bin');
    await sparse(big, 3 * 1024 ** 3);
    await expect(readCifarBatch(big)).rejects.toThrow(`${big}: the CIFAR batch is 3 GiB, over the limit of 234.5 MiB`);
    const zero = path.join(dir, 'cifar-zero');
    await mkdir(zero);
    await symlink('/dev/zero', path.join(zero, 'test_batch.bin'));
    await expect(readCifarBatch(path.join(zero, 'test_batch.bin'))).rejects.toThrow(/test_batch\.bin: a device, not a regular file/);
  });
});

/** One 512-byte ustar header; `size` may claim anything. */
function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** A tar.gz of `records` followed by 1 GiB of zeros (1 MB compressed). */
async function tarBomb(file: string, records: Buffer[]): Promise<void> {
  await writeFile(file, Buffer.concat([gzipSync(Buffer.concat(records)), ...Array(16).fill(zeros64)]));
}

describe('tar archives', () => {
  it('refuses a long-name record that claims 3 GiB before reading it', async () => {
    const file = path.join(dir, 'longname.tar.gz');
    await tarBomb(file, [tarHeader('././@LongLink', 3 * 1024 ** 3, 'L')]);
    const r = await boundedRead('tar', file);
    expect(r.error).toBe(`TarError: ${file}: a long-name record of 3 GiB is over the limit of 1 MiB: the archive is damaged or not what it seems`);
    expect(r.growthMiB).toBeLessThan(300);
  });

  it('bounds each extracted file and what the whole archive unpacks to', async () => {
    const big = path.join(dir, 'big-entry.tar.gz');
    await tarBomb(big, [tarHeader('cifar-10-batches-bin/data_batch_1.bin', 2 * 1024 ** 3)]);
    const dest = await tempDir('cs-untar-');
    await expect(extractTarGz(big, dest, () => true, { maxEntryBytes: 1024 ** 2 })).rejects.toThrow(
      `${big}: cifar-10-batches-bin/data_batch_1.bin is 2 GiB, over the limit of 1 MiB for one file`,
    );
    expect(await readdir(dest)).toEqual([]);
    // Entries that are not extracted still count: skipping them is gunzipping them.
    const t0 = performance.now();
    await expect(extractTarGz(big, dest, () => false, { maxTotalBytes: 64 * 1024 ** 2 })).rejects.toThrow(`${big}: the archive unpacks to more than 64 MiB, the limit for it`);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("leaves no half-made dataset folder behind when an import fails, and sweeps a crashed import's", async () => {
    const cacheDir = await tempDir('cs-import-');
    const archive = path.join(dir, 'cifar-10-binary.tar.gz');
    await tarBomb(archive, [tarHeader('././@LongLink', 3 * 1024 ** 3, 'L')]);
    const datasets = path.dirname(datasetPlaces('cifar10', cacheDir).cache);
    // What an import killed an hour ago left behind.
    const crashed = path.join(datasets, 'cifar10.tmp-0123abcd');
    await mkdir(path.join(crashed, 'cifar-10-batches-bin'), { recursive: true });
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(crashed, hourAgo, hourAgo);
    await expect(importDatasetFiles('cifar10', archive, { cacheDir, allowUnofficial: true })).rejects.toThrow(`${archive}: a long-name record of 3 GiB is over the limit of 1 MiB`);
    expect(await readdir(datasets)).toEqual([]);
  });
});
