// What the HDF5 reader (in its worker) and the Keras weight matching exchange: plain data.

export interface H5WeightInfo {
  /** As stored, e.g. `conv1_conv/kernel:0`. */
  name: string;
  shape: number[];
}

export interface H5Weight extends H5WeightInfo {
  values: Float32Array;
}

/** A weight to read and the shape the model wants it in, checked again before its data is read. */
export interface WantedWeight {
  /** The layer group in the file. */
  layer: string;
  name: string;
  shape: number[];
}

export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
