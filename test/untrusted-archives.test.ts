// Compressed files that cannot be trusted (issue 17): gzip bombs posing as IDX files, CIFAR
// batches and tar archives whose headers claim gigabytes. Each is refused with an error naming
// the file, within a memory bound measured in a child process.
import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCifarBatch } from '../src-main/core/datasets/cifar.ts';
import { readIdx } from '../src-main/core/datasets/idx.ts';
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
    expect(r.peakMiB).toBeLessThan(400);
  });

  it('refuses a header that declares more than the limit before reading the data', async () => {
    const file = path.join(dir, 'huge-images-idx3-ubyte.gz');
    await writeFile(file, Buffer.concat([gzipSync(idxHeader([2000, 1000, 1000])), ...Array(16).fill(zeros64)]));
    const r = await boundedRead('idx', file);
    expect(r.error).toBe(`IdxError: ${file}: the header declares 2000x1000x1000 = 2000000000 bytes of data, over the limit of 1 GiB`);
    expect(r.peakMiB).toBeLessThan(400);
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
    for (const [name, bytes] of [['ok.gz', gzipSync(data)], ['ok', data]] as const) {
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
