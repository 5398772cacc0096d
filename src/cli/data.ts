// The data a command reads: the mnist package's split (7,996 / 2,004 digits), or the IDX files of
// --data DIR (train-* and t10k-*), or for predict one explicit image/label pair.
import type { Dataset } from '../data/dataset.js';
import { loadIdxDataset, loadIdxSplit, type IdxSplitName } from '../data/idx.js';
import { loadMnist } from '../data/mnist.js';

/** One split: --data DIR's files, else the mnist package's. */
export function loadSplit(split: IdxSplitName, dir: string | undefined): Dataset {
  return dir === undefined ? loadMnist()[split] : loadIdxSplit(dir, split);
}

/** Where predict's samples come from: --images/--labels, else --data DIR's test files, else the mnist package's test split. */
export function loadTestData(flags: { data?: string; images?: string; labels?: string }): { data: Dataset; source: string } {
  if (flags.images !== undefined && flags.labels !== undefined) return { data: loadIdxDataset(flags.images, flags.labels), source: flags.images };
  if (flags.data !== undefined) return { data: loadIdxSplit(flags.data, 'test'), source: `${flags.data} (test files)` };
  return { data: loadMnist().test, source: 'the mnist package test split' };
}

/** What a training command says about its data, e.g. "7,996 training digits of the mnist package". */
export function describeData(train: Dataset, dir: string | undefined): string {
  return `${count(train.count)} training samples from ${dir ?? 'the mnist package'}`;
}

export const count = (n: number) => n.toLocaleString('en-US');
export const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
export const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
