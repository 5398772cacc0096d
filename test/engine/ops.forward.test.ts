// Hand-computed forward cases (tflite-micro style goldens).
import { describe, expect, it } from 'vitest';
import { conv2dForward, conv2dGeometry, convOutput } from '../../src/engine/ops/conv2d.js';
import { denseForward } from '../../src/engine/ops/dense.js';
import { maxPool2dForward, maxPool2dGeometry } from '../../src/engine/ops/maxpool2d.js';

describe('conv2d forward', () => {
  it('computes a 2x2 valid conv over a 3x3 image by hand', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = new Float32Array([1, 0, 0, -1]); // [[1,0],[0,-1]]: x[i][j] - x[i+1][j+1]
    const g = conv2dGeometry([3, 3, 1], [2, 2], 1, [1, 1], 'valid');
    const y = new Float32Array(4);
    conv2dForward(x, w, new Float32Array([0.5]), y, 1, g);
    expect(Array.from(y)).toEqual([-3.5, -3.5, -3.5, -3.5]);
  });

  it("pads 'same' like TensorFlow (extra padding at the bottom/right)", () => {
    expect(convOutput(5, 2, 2, 'same')).toEqual({ out: 3, padBefore: 0 });
    expect(convOutput(5, 3, 1, 'same')).toEqual({ out: 5, padBefore: 1 });
    expect(convOutput(6, 4, 1, 'same')).toEqual({ out: 6, padBefore: 1 });
    expect(convOutput(28, 3, 1, 'valid')).toEqual({ out: 26, padBefore: 0 });
    const x = new Float32Array([1, 2, 3, 4]); // 2x2
    const g = conv2dGeometry([2, 2, 1], [3, 3], 1, [1, 1], 'same');
    const y = new Float32Array(4);
    conv2dForward(x, new Float32Array(9).fill(1), new Float32Array(1), y, 1, g);
    expect(Array.from(y)).toEqual([10, 10, 10, 10]);
  });

  it('maps input channels to output channels through the HWIO kernel', () => {
    const x = new Float32Array([1, 10]); // 1x1 pixel, 2 channels
    const w = new Float32Array([1, 2, 3, 4, 5, 6]); // [1,1,2,3]: w[ci][co]
    const y = new Float32Array(3);
    conv2dForward(x, w, new Float32Array(3), y, 1, conv2dGeometry([1, 1, 2], [1, 1], 3, [1, 1], 'valid'));
    expect(Array.from(y)).toEqual([1 + 40, 2 + 50, 3 + 60]);
  });
});

describe('maxpool2d forward', () => {
  it('takes the max of each 2x2 window per channel', () => {
    const x = new Float32Array([1, -1, 2, -2, 3, -3, 4, -4]); // 2x2x2
    const y = new Float32Array(2);
    maxPool2dForward(x, y, 1, maxPool2dGeometry([2, 2, 2], [2, 2], [2, 2], 'valid'));
    expect(Array.from(y)).toEqual([4, -1]);
  });

  it('drops the odd last row/column with valid padding', () => {
    const g = maxPool2dGeometry([5, 5, 1], [2, 2], [2, 2], 'valid');
    expect([g.outH, g.outW]).toEqual([2, 2]);
  });
});

describe('dense forward', () => {
  it('multiplies by the [in, out] kernel and adds the bias', () => {
    const y = new Float32Array(2);
    denseForward(new Float32Array([1, 2]), new Float32Array([1, 2, 3, 4]), new Float32Array([0.5, -0.5]), y, 1, { inF: 2, outF: 2 });
    expect(Array.from(y)).toEqual([1 + 6 + 0.5, 2 + 8 - 0.5]);
  });
});
