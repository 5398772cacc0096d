// A labelled image set held as two flat typed arrays (no per-sample objects):
// images: N x (height*width*channels) floats in [0, 1], NHWC; labels: N class ids.

export interface Dataset {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export function sampleSize(d: Dataset): number {
  return d.height * d.width * d.channels;
}

/** Samples [start, end) as a view (no copy). */
export function slice(d: Dataset, start: number, end: number): Dataset {
  const s = sampleSize(d);
  return {
    ...d,
    images: d.images.subarray(start * s, end * s),
    labels: d.labels.subarray(start, end),
    count: end - start,
  };
}

/** The samples at `indices`, copied in that order. */
export function take(d: Dataset, indices: ArrayLike<number>): Dataset {
  const s = sampleSize(d);
  const images = new Float32Array(indices.length * s);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(d.images.subarray(j * s, (j + 1) * s), i * s);
    labels[i] = d.labels[j];
  }
  return { ...d, images, labels, count: indices.length };
}

/** Keras' validation_split: the last `fraction` of the samples (before any shuffling) is held out. */
export function splitValidation(d: Dataset, fraction: number): { train: Dataset; validation: Dataset } {
  const nTrain = Math.floor(d.count * (1 - fraction)); // Keras: split_at = int(n * (1 - split))
  return { train: slice(d, 0, nTrain), validation: slice(d, nTrain, d.count) };
}
