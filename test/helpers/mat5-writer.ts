// Writes MATLAB 5 .mat files for tests, laid out as the format's documentation gives it (and as
// MATLAB's save -v7 writes lists such as Stanford Dogs' train_list.mat): a 128-byte header,
// miMATRIX elements (array flags, dimensions, name, data), each optionally wrapped in a
// zlib-compressed miCOMPRESSED element; small data elements where the data fits in 4 bytes.
import { deflateSync } from 'node:zlib';

export type MatVar = { name: string; strings: string[] } | { name: string; doubles: number[] } | { name: string; struct: true };

export interface MatWriteOptions {
  compress?: boolean;
  /** How char arrays are stored: miUINT16 (MATLAB's default) or miUTF8. */
  chars?: 'uint16' | 'utf8';
  bigEndian?: boolean;
}

const miINT8 = 1,
  miUINT16 = 4,
  miINT32 = 5,
  miUINT32 = 6,
  miDOUBLE = 9,
  miMATRIX = 14,
  miCOMPRESSED = 15,
  miUTF8 = 16;
const mxCELL = 1,
  mxSTRUCT = 2,
  mxCHAR = 4,
  mxDOUBLE = 6;

export function writeMat5(vars: MatVar[], opts: MatWriteOptions = {}): Buffer {
  const be = !!opts.bigEndian;
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return b;
  };
  const element = (type: number, data: Buffer): Buffer => {
    if (data.length <= 4 && type !== miMATRIX && type !== miCOMPRESSED) {
      // Small data element: [type:16, size:16] as one 32-bit word in the file's byte order.
      const tag = u32(((data.length << 16) | type) >>> 0);
      return Buffer.concat([tag, data, Buffer.alloc(4 - data.length)]);
    }
    const pad = type === miCOMPRESSED ? 0 : (8 - (data.length % 8)) % 8;
    return Buffer.concat([u32(type), u32(data.length), data, Buffer.alloc(pad)]);
  };
  const flags = (klass: number) => element(miUINT32, Buffer.concat([u32(klass), u32(0)]));
  const dims = (d: number[]) => element(miINT32, Buffer.concat(d.map(u32)));
  const name = (n: string) => element(miINT8, Buffer.from(n, 'latin1'));
  const matrix = (parts: Buffer[]) => element(miMATRIX, Buffer.concat(parts));
  const charArray = (s: string) => {
    const data =
      opts.chars === 'utf8'
        ? element(miUTF8, Buffer.from(s, 'utf8'))
        : element(
            miUINT16,
            (() => {
              const b = Buffer.alloc(s.length * 2);
              for (let i = 0; i < s.length; i++) {
                if (be) b.writeUInt16BE(s.charCodeAt(i), i * 2);
                else b.writeUInt16LE(s.charCodeAt(i), i * 2);
              }
              return b;
            })(),
          );
    return matrix([flags(mxCHAR), dims([1, s.length]), name(''), data]);
  };
  const doubles = (v: number[]) => {
    const b = Buffer.alloc(v.length * 8);
    v.forEach((x, i) => (be ? b.writeDoubleBE(x, i * 8) : b.writeDoubleLE(x, i * 8)));
    return element(miDOUBLE, b);
  };
  const variable = (v: MatVar): Buffer => {
    if ('strings' in v) return matrix([flags(mxCELL), dims([v.strings.length, 1]), name(v.name), ...v.strings.map(charArray)]);
    if ('doubles' in v) return matrix([flags(mxDOUBLE), dims([v.doubles.length, 1]), name(v.name), doubles(v.doubles)]);
    // A 1x1 struct with no fields: enough to show that an unread class is skipped, not fatal.
    return matrix([flags(mxSTRUCT), dims([1, 1]), name(v.name), element(miINT32, u32(32)), element(miINT8, Buffer.alloc(0))]);
  };
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, written by the Classifier Studio tests', 0, 'latin1');
  header.fill(0, 116, 124);
  if (be) {
    header.writeUInt16BE(0x0100, 124);
    header.write('MI', 126, 'latin1');
  } else {
    header.writeUInt16LE(0x0100, 124);
    header.write('IM', 126, 'latin1');
  }
  const body = vars.map((v) => {
    const m = variable(v);
    return opts.compress ? element(miCOMPRESSED, deflateSync(m)) : m;
  });
  return Buffer.concat([header, ...body]);
}
