// A reader for MATLAB 5 .mat files (Level 5 MAT-File Format), enough for the lists Stanford
// Dogs ships its official split in: a 128-byte header, then data elements (an 8-byte tag, or the
// 4-byte "small data element" form), miCOMPRESSED elements being a zlib stream of more elements;
// miMATRIX holds numeric arrays, char arrays and cell arrays. Structs, objects and sparse arrays
// are listed by class but not read. Every size a file states is checked before it is believed.
import { inflateSync } from 'node:zlib';

/** A .mat file of lists is kilobytes; this bounds what one compressed element may inflate to. */
export const MAX_MAT_INFLATED_BYTES = 256 * 1024 ** 2;

export type MatValue =
  | { class: 'numeric'; type: NumericClass; dims: number[]; data: Float64Array }
  | { class: 'char'; dims: number[]; /** One string per row (MATLAB stores characters column by column). */ rows: string[] }
  | { class: 'cell'; dims: number[]; /** In MATLAB's column-major order. */ cells: MatValue[] }
  | { class: 'unsupported'; dims: number[]; what: string };

export type NumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export class MatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'MatError';
  }
}

// Data types of the element tags.
const mi = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;
const BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
// Array classes of the array-flags subelement.
const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const NUMERIC = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

interface Element {
  type: number;
  data: Buffer;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    readonly file: string,
  ) {}

  fail(detail: string): never {
    throw new MatError(this.file, detail);
  }

  u32(at: number): number {
    return this.le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  /** The element at `at` and where the next one starts. */
  element(at: number, end: number): { el: Element; next: number } {
    if (at + 4 > end) this.fail(`a data element at byte ${at} is cut off`);
    const first = this.u32(at);
    // Small data element: size in the upper 16 bits (as read in the file's byte order), data in the next 4 bytes.
    const small = first >>> 16;
    if (small !== 0) {
      if (small > 4) this.fail(`a small data element at byte ${at} claims ${small} bytes (at most 4)`);
      if (at + 8 > end) this.fail(`a data element at byte ${at} is cut off`);
      return { el: { type: first & 0xffff, data: this.buf.subarray(at + 4, at + 4 + small) }, next: at + 8 };
    }
    if (at + 8 > end) this.fail(`a data element at byte ${at} is cut off`);
    const type = first;
    const size = this.u32(at + 4);
    if (at + 8 + size > end) this.fail(`a data element at byte ${at} claims ${size} bytes, past the end of its container (${end - at - 8} left)`);
    const data = this.buf.subarray(at + 8, at + 8 + size);
    // Elements are padded to 8 bytes; a compressed one is not (its stream says where it ends).
    const padded = type === mi.COMPRESSED ? size : Math.ceil(size / 8) * 8;
    return { el: { type, data }, next: Math.min(end, at + 8 + padded) };
  }

  /** The subelements of a miMATRIX's data. */
  children(data: Buffer): Element[] {
    const sub = new Reader(data, this.le, this.file);
    const out: Element[] = [];
    for (let at = 0; at < data.length;) {
      const { el, next } = sub.element(at, data.length);
      out.push(el);
      at = next;
    }
    return out;
  }

  numbers(el: Element, what: string): Float64Array {
    const width = BYTES[el.type];
    if (!width || el.type === mi.UTF8 || el.type === mi.UTF16 || el.type === mi.UTF32) this.fail(`${what} has data of type ${el.type}, not a number type`);
    if (el.data.length % width) this.fail(`${what}: ${el.data.length} bytes is not a whole number of ${width}-byte values`);
    const n = el.data.length / width;
    const out = new Float64Array(n);
    const b = el.data;
    const le = this.le;
    for (let i = 0; i < n; i++) {
      const o = i * width;
      switch (el.type) {
        case mi.INT8:
          out[i] = b.readInt8(o);
          break;
        case mi.UINT8:
          out[i] = b[o]!;
          break;
        case mi.INT16:
          out[i] = le ? b.readInt16LE(o) : b.readInt16BE(o);
          break;
        case mi.UINT16:
          out[i] = le ? b.readUInt16LE(o) : b.readUInt16BE(o);
          break;
        case mi.INT32:
          out[i] = le ? b.readInt32LE(o) : b.readInt32BE(o);
          break;
        case mi.UINT32:
          out[i] = le ? b.readUInt32LE(o) : b.readUInt32BE(o);
          break;
        case mi.SINGLE:
          out[i] = le ? b.readFloatLE(o) : b.readFloatBE(o);
          break;
        case mi.DOUBLE:
          out[i] = le ? b.readDoubleLE(o) : b.readDoubleBE(o);
          break;
        case mi.INT64:
          out[i] = Number(le ? b.readBigInt64LE(o) : b.readBigInt64BE(o));
          break;
        case mi.UINT64:
          out[i] = Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
          break;
      }
    }
    return out;
  }

  /** Character codes of a char array's data, whichever encoding it was written in. */
  chars(el: Element, what: string): number[] {
    if (el.type === mi.UTF8) return [...el.data.toString('utf8')].map((c) => c.codePointAt(0)!);
    if (el.type === mi.UTF16 || el.type === mi.UINT16) {
      const src = this.le ? el.data : Buffer.from(el.data).swap16();
      if (src.length % 2) this.fail(`${what}: odd byte count for 16-bit characters`);
      return Array.from({ length: src.length / 2 }, (_, i) => src.readUInt16LE(i * 2));
    }
    return Array.from(this.numbers(el, what));
  }

  matrix(data: Buffer, what: string, depth: number): { name: string; value: MatValue } {
    if (depth > 32) this.fail(`${what} nests cell arrays more than 32 deep`);
    // An empty array is a miMATRIX of 0 bytes.
    if (data.length === 0) return { name: '', value: { class: 'numeric', type: 'double', dims: [0, 0], data: new Float64Array(0) } };
    const parts = this.children(data);
    if (parts.length < 3) this.fail(`${what} is a matrix without its flags, dimensions and name`);
    const [flags, dimsEl, nameEl] = parts as [Element, Element, Element];
    if (flags.data.length < 8) this.fail(`${what} has array flags of ${flags.data.length} bytes (8 expected)`);
    const flagWord = this.le ? flags.data.readUInt32LE(0) : flags.data.readUInt32BE(0);
    const klass = CLASS_NAMES[flagWord & 0xff] ?? `class ${flagWord & 0xff}`;
    const complex = (flagWord & 0x0800) !== 0;
    const dims = Array.from(this.numbers(dimsEl, `${what} (dimensions)`));
    if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) this.fail(`${what} has invalid dimensions [${dims.join(', ')}]`);
    const count = dims.reduce((a, b) => a * b, 1);
    const name = nameEl.data.toString('latin1');
    const label = name ? `"${name}"` : what;
    if (klass === 'cell') {
      const cells = parts.slice(3);
      if (cells.length !== count) this.fail(`${label} is a ${dims.join('x')} cell array with ${cells.length} cells`);
      return {
        name,
        value: {
          class: 'cell',
          dims,
          cells: cells.map((c, i) => {
            if (c.type !== mi.MATRIX) this.fail(`cell ${i + 1} of ${label} is not a matrix (type ${c.type})`);
            return this.matrix(c.data, `cell ${i + 1} of ${label}`, depth + 1).value;
          }),
        },
      };
    }
    if (klass === 'char') {
      const codes = parts[3] ? this.chars(parts[3], label) : [];
      if (codes.length !== count) this.fail(`${label} is a ${dims.join('x')} char array with ${codes.length} characters`);
      const [rowsN] = dims as [number];
      const cols = rowsN ? count / rowsN : 0;
      // Column-major: row r is the characters r, r + rows, r + 2 rows, ...
      const rows = Array.from({ length: rowsN }, (_, r) => String.fromCodePoint(...Array.from({ length: cols }, (_, c) => codes[r + c * rowsN]!)));
      return { name, value: { class: 'char', dims, rows } };
    }
    if (NUMERIC.has(klass)) {
      if (complex) return { name, value: { class: 'unsupported', dims, what: `complex ${klass}` } };
      const values = parts[3] ? this.numbers(parts[3], label) : new Float64Array(0);
      if (values.length !== count) this.fail(`${label} is a ${dims.join('x')} ${klass} array with ${values.length} values`);
      return { name, value: { class: 'numeric', type: klass as NumericClass, dims, data: values } };
    }
    return { name, value: { class: 'unsupported', dims, what: klass } };
  }
}

/** The variables of a MATLAB 5 .mat file, by name. `file` names it in errors. */
export function readMat5(buf: Buffer, file: string): Map<string, MatValue> {
  if (buf.length < 128) throw new MatError(file, `not a MATLAB 5 .mat file (${buf.length} bytes, shorter than its 128-byte header)`);
  const endian = buf.subarray(126, 128).toString('latin1');
  if (endian !== 'IM' && endian !== 'MI') {
    const v73 = buf.subarray(0, 20).toString('latin1').includes('7.3') ? ' (a MATLAB 7.3 file is HDF5; save it with -v7 or -v6)' : '';
    throw new MatError(file, `not a MATLAB 5 .mat file: no endian indicator in its header${v73}`);
  }
  const top = new Reader(buf, endian === 'IM', file);
  const vars = new Map<string, MatValue>();
  const readElements = (r: Reader, from: number, depth: number) => {
    for (let at = from; at < r.buf.length;) {
      // Trailing zero padding after the last element.
      if (r.buf.length - at < 8 && r.buf.subarray(at).every((b) => b === 0)) break;
      const { el, next } = r.element(at, r.buf.length);
      if (el.type === mi.COMPRESSED) {
        if (depth > 0) r.fail('a compressed element inside a compressed element');
        let inflated: Buffer;
        try {
          inflated = inflateSync(el.data, { maxOutputLength: MAX_MAT_INFLATED_BYTES });
        } catch (e) {
          r.fail(`a compressed element at byte ${at} does not inflate (${(e as Error).message})`);
        }
        readElements(new Reader(inflated, r.le, file), 0, depth + 1);
      } else if (el.type === mi.MATRIX) {
        const { name, value } = r.matrix(el.data, `the variable at byte ${at}`, 0);
        vars.set(name, value);
      } else {
        r.fail(`a top-level element of type ${el.type} at byte ${at} (a variable is a matrix, type 14, or compressed, type 15)`);
      }
      at = next;
    }
  };
  readElements(top, 128, 0);
  return vars;
}

/** A cell array of strings (one-row char arrays) as a list, in MATLAB's order. */
export function cellStrings(value: MatValue | undefined, what: string, file: string): string[] {
  if (!value || value.class !== 'cell') throw new MatError(file, `${what} is ${value ? `a ${value.class} array` : 'missing'}, not a cell array of strings`);
  return value.cells.map((c, i) => {
    if (c.class !== 'char' || c.rows.length !== 1) throw new MatError(file, `cell ${i + 1} of ${what} is not a one-line string`);
    return c.rows[0]!;
  });
}

/** A numeric array's values, in MATLAB's (column-major) order. */
export function numbers(value: MatValue | undefined, what: string, file: string): Float64Array {
  if (!value || value.class !== 'numeric') throw new MatError(file, `${what} is ${value ? `a ${value.class} array` : 'missing'}, not a numeric array`);
  return value.data;
}
