// IDX files, the format of full MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
//
//   offset  bytes  meaning
//   0       2      0x00 0x00
//   2       1      element type: 0x08 = unsigned byte (the only one these data sets use)
//   3       1      number of dimensions d (3 for images: count, rows, cols; 1 for labels: count)
//   4       4*d    each dimension, big-endian uint32
//   4+4d    ...    the elements, row-major, nothing after them
//
// Files may be gzipped (detected by the gzip magic 1f 8b, not by the name). Every problem is a
// DataError that names the file, says what is wrong and what to do.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import type { Dataset } from './dataset.js';

const TYPE_UBYTE = 0x08;
const CLASSES = 10;
/** Refuse to inflate past this: the full MNIST training images are 47 MB. */
const MAX_INFLATED_BYTES = 1 << 30;

export interface IdxArray {
  /** Dimensions from the header, e.g. [60000, 28, 28] or [60000]. */
  dims: number[];
  /** The elements, row-major (a view into the file's bytes). */
  data: Uint8Array;
}

export interface IdxImageShape {
  height: number;
  width: number;
}

export interface LoadIdxOptions {
  /** Image size every file must have; 'any' accepts what the header says. Default 28 x 28. */
  shape?: IdxImageShape | 'any';
}

const MNIST_SHAPE: IdxImageShape = { height: 28, width: 28 };
const REDOWNLOAD = 'download it again or point --data at a folder with intact IDX files';

/** Reads one IDX file of unsigned bytes, gunzipping it if it starts with the gzip magic. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
    throw new DataError('IDX_MISSING', `${path} ${why}; pass --data DIR with train-/t10k-images-idx3-ubyte[.gz] and the matching labels-idx1-ubyte[.gz] files`);
  }
  return parseIdx(bytes, path);
}

/** Parses IDX bytes (plain or gzipped); `file` only names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzip(bytes, file);
  if (bytes.length < 4) {
    throw new DataError('IDX_TRUNCATED', `${file}: ${bytes.length} bytes, too short for an IDX header (4 bytes or more); ${REDOWNLOAD}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError('IDX_BAD_MAGIC', `${file}: starts with ${hex(bytes.subarray(0, 4))}, not an IDX file (expected 00 00 08 01 or 00 00 08 03); check that this is the right file`);
  }
  if (bytes[2] !== TYPE_UBYTE) {
    throw new DataError('IDX_BAD_TYPE', `${file}: element type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned byte (0x08); only ubyte IDX files (MNIST, Fashion-MNIST) are supported`);
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerBytes) {
    throw new DataError('IDX_TRUNCATED', `${file}: header declares ${rank} dimensions but the file has ${bytes.length} bytes; ${REDOWNLOAD}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DataError('IDX_TRUNCATED', `${file}: truncated: dims ${dims.join('x')} need ${expected} data bytes, the file has ${actual}; ${REDOWNLOAD}`);
  }
  if (actual > expected) {
    throw new DataError('IDX_TRAILING', `${file}: ${actual - expected} bytes after the ${dims.join('x')} elements its header declares; the file is damaged or not IDX, ${REDOWNLOAD}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** An image file (rank 3) and its label file (rank 1) as a Dataset: pixels byte/255, labels 0..9. */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: LoadIdxOptions = {}): Dataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length !== 3) {
    throw new DataError('IDX_BAD_DIMS', `${imagesPath}: ${images.dims.length} dimensions (${images.dims.join('x')}); an image file has 3 (count x rows x cols), is this a labels file (idx1)?`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError('IDX_BAD_DIMS', `${labelsPath}: ${labels.dims.length} dimensions (${labels.dims.join('x')}); a labels file has 1 (count), is this an images file (idx3)?`);
  }
  const [count, height, width] = images.dims;
  const shape = options.shape ?? MNIST_SHAPE;
  if (shape !== 'any' && (height !== shape.height || width !== shape.width)) {
    throw new DataError('IDX_BAD_DIMS', `${imagesPath}: images are ${height}x${width}, the model needs ${shape.height}x${shape.width}; use a data set of ${shape.height}x${shape.width} images (MNIST, Fashion-MNIST)`);
  }
  if (labels.dims[0] !== count) {
    throw new DataError('IDX_COUNT_MISMATCH', `${imagesPath} has ${count} images but ${labelsPath} has ${labels.dims[0]} labels; the two files must come from the same split (train-* with train-*, t10k-* with t10k-*)`);
  }
  const badAt = labels.data.findIndex((l) => l >= CLASSES);
  if (badAt >= 0) {
    throw new DataError('IDX_BAD_LABEL', `${labelsPath}: label ${labels.data[badAt]} at index ${badAt} is not a class 0..${CLASSES - 1}; topiary's models have ${CLASSES} classes`);
  }
  return {
    images: toUnitFloats(images.data),
    labels: Uint8Array.from(labels.data),
    count,
    height,
    width,
    channels: 1,
  };
}

export interface IdxSplit {
  train: Dataset;
  test: Dataset;
}

// train-images-idx3-ubyte (MNIST, Fashion-MNIST), train-images.idx3-ubyte (common re-uploads),
// emnist-digits-train-images-idx3-ubyte (EMNIST): an optional prefix, the split, the kind.
const IDX_NAME = /^(?:.*-)?(train|t10k|test)-(images|labels)[.-]idx([13])-ubyte(\.gz)?$/;

export type IdxSplitName = 'train' | 'test';

export interface IdxPairPaths {
  images: string;
  labels: string;
}

/** Finds the train and test image/label pairs in `dir` by their standard names and loads them. */
export function loadIdxDir(dir: string, options: LoadIdxOptions = {}): IdxSplit {
  return { train: loadIdxSplit(dir, 'train', options), test: loadIdxSplit(dir, 'test', options) };
}

/** One split of `dir` (predict needs the test files, not 47 MB of training images). */
export function loadIdxSplit(dir: string, split: IdxSplitName, options: LoadIdxOptions = {}): Dataset {
  const { images, labels } = findIdxPair(dir, split);
  return loadIdxDataset(images, labels, options);
}

/** The paths of one split's image and label files in `dir`, each there exactly once. */
export function findIdxPair(dir: string, split: IdxSplitName): IdxPairPaths {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError('IDX_DIR_MISSING', `${dir}: cannot list it (${(e as Error).message}); pass --data with a folder holding MNIST-style IDX files`);
  }
  const pick = (kind: 'images' | 'labels'): string => {
    const files = names.sort().filter((name) => {
      const m = IDX_NAME.exec(name);
      // images are idx3 and labels idx1; anything else is not a standard name
      return m !== null && (m[1] === 'train' ? 'train' : 'test') === split && m[2] === kind && (m[3] === '3') === (kind === 'images');
    });
    if (files.length === 0) {
      const std = `${split === 'train' ? 'train' : 't10k'}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte[.gz]`;
      throw new DataError('IDX_NOT_FOUND', `${dir}: no ${split} ${kind} file (looked for ${std}); put the four MNIST-style IDX files there, e.g. install Debian's dataset-fashion-mnist and use /usr/share/datasets/fashion-mnist`);
    }
    if (files.length > 1) {
      throw new DataError('IDX_AMBIGUOUS', `${dir}: several ${split} ${kind} files (${files.join(', ')}); keep one of them in the folder`);
    }
    return join(dir, files[0]);
  };
  return { images: pick('images'), labels: pick('labels') };
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    throw new DataError('IDX_BAD_GZIP', `${file}: gzip data cannot be inflated (${(e as Error).message}); the file is truncated or damaged, ${REDOWNLOAD}`);
  }
}

function toUnitFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
