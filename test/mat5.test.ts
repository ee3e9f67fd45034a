// The MATLAB 5 .mat reader on files written here in the format's layout (and, where Python's
// scipy is installed, on files scipy.io.savemat writes: a writer that is not ours).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellStrings, MatError, numbers, readMat5 } from '../src-main/core/datasets/mat5.ts';
import { writeMat5 } from './helpers/mat5-writer.ts';
import { tempDir } from './helpers/shared.ts';

const files = ['n02085620-Chihuahua/n02085620_5927.jpg', 'n02085782-Japanese_spaniel/n02085782_2.jpg', 'n02116738-African_hunting_dog/n02116738_10024.jpg', 'é'];
const labels = [1, 2, 120, 7];

function hasScipy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import scipy.io'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('readMat5', () => {
  for (const compress of [false, true]) {
    for (const chars of ['uint16', 'utf8'] as const) {
      it(`reads a cell array of strings and a double array (${compress ? 'compressed' : 'uncompressed'}, ${chars} characters)`, () => {
        const buf = writeMat5(
          [
            { name: 'file_list', strings: files },
            { name: 'meta', struct: true },
            { name: 'labels', doubles: labels },
          ],
          { compress, chars },
        );
        const vars = readMat5(buf, 'train_list.mat');
        expect(cellStrings(vars.get('file_list'), 'file_list', 'x')).toEqual(files);
        expect(Array.from(numbers(vars.get('labels'), 'labels', 'x'))).toEqual(labels);
        expect(vars.get('labels')).toMatchObject({ class: 'numeric', type: 'double', dims: [4, 1] });
        expect(vars.get('meta')).toMatchObject({ class: 'unsupported', what: 'struct' });
      });
    }
  }

  it('reads big-endian files and small data elements (a one-character string)', () => {
    const vars = readMat5(
      writeMat5(
        [
          { name: 'c', strings: ['a', 'bc'] },
          { name: 'x', doubles: [3.5] },
        ],
        { bigEndian: true },
      ),
      'be.mat',
    );
    expect(cellStrings(vars.get('c'), 'c', 'be.mat')).toEqual(['a', 'bc']);
    expect(Array.from(numbers(vars.get('x'), 'x', 'be.mat'))).toEqual([3.5]);
  });

  it('refuses what is not a MATLAB 5 file, and a damaged one, naming the file', () => {
    expect(() => readMat5(Buffer.from('hello'), 'short.mat')).toThrow(/short\.mat: not a MATLAB 5 \.mat file \(5 bytes/);
    expect(() => readMat5(Buffer.alloc(200), 'zeros.mat')).toThrow(/zeros\.mat: not a MATLAB 5 \.mat file: no endian indicator/);
    const good = writeMat5([{ name: 'file_list', strings: files }]);
    expect(() => readMat5(good.subarray(0, good.length - 20), 'cut.mat')).toThrow(MatError);
    expect(() => readMat5(good.subarray(0, good.length - 20), 'cut.mat')).toThrow(/cut\.mat: .*past the end/);
    const zipped = writeMat5([{ name: 'file_list', strings: files }], { compress: true });
    zipped[140] ^= 0xff;
    expect(() => readMat5(zipped, 'bad-zlib.mat')).toThrow(/bad-zlib\.mat: a compressed element at byte 128 does not inflate/);
    // A size far beyond the file is refused before anything is allocated.
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0x7fffffff, 132);
    expect(() => readMat5(huge, 'huge.mat')).toThrow(/huge\.mat: a data element at byte 128 claims 2147483647 bytes/);
    expect(() => cellStrings(readMat5(writeMat5([{ name: 'labels', doubles: [1] }]), 'l.mat').get('labels'), 'labels', 'l.mat')).toThrow(
      /l\.mat: labels is a numeric array, not a cell array of strings/,
    );
  });

  it.skipIf(!hasScipy())('reads what scipy.io.savemat writes, compressed and not (python3 with scipy)', async () => {
    const dir = await tempDir();
    const script = `
import numpy as np, scipy.io, sys
files = np.empty((3, 1), dtype=object)
files[:, 0] = ['n02085620-Chihuahua/n02085620_5927.jpg', 'n02085782-Japanese_spaniel/n02085782_2.jpg', 'n02086240-Shih-Tzu/n02086240_7.jpg']
for c in (False, True):
    scipy.io.savemat(sys.argv[1] + ('/c.mat' if c else '/u.mat'), {'file_list': files, 'labels': np.array([[1.0], [2.0], [3.0]])}, do_compression=c)
`;
    execFileSync('python3', ['-c', script, dir]);
    for (const f of ['u.mat', 'c.mat']) {
      const vars = readMat5(await readFile(path.join(dir, f)), f);
      expect(cellStrings(vars.get('file_list'), 'file_list', f)).toEqual([
        'n02085620-Chihuahua/n02085620_5927.jpg',
        'n02085782-Japanese_spaniel/n02085782_2.jpg',
        'n02086240-Shih-Tzu/n02086240_7.jpg',
      ]);
      expect(Array.from(numbers(vars.get('labels'), 'labels', f))).toEqual([1, 2, 3]);
    }
  });
});
