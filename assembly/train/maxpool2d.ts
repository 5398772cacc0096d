// maxpool2d training kernels, NHWC, windows clipped at the padding (padded cells never win).
// The gradient goes to the first maximum of each window in row-major order (TensorFlow's MaxPoolGrad):
// a later tap wins only when strictly greater, exactly as the reference compares.
// Reference twins: maxPool2dForward/maxPool2dBackward (src/engine/ops/maxpool2d.ts). Bit-exact.
// SIMD: 4 channels of one window per vector; `won` holds the index of each lane's winning tap.
import { storeLanes } from './simd';
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, K_H, K_W, STRIDE_H, STRIDE_W, PAD_T, PAD_L } from './params';

export function maxpool2d_forward(x: usize, y: usize, pp: usize): void {
  pool(x, 0, y, pp, false);
}

/** dx = 0, then dx[first max of each window] += dy. */
export function maxpool2d_backward(x: usize, dy: usize, dx: usize, pp: usize): void {
  const cells = load<i32>(pp, BATCH) * load<i32>(pp, IN_H) * load<i32>(pp, IN_W) * load<i32>(pp, IN_C);
  memory.fill(dx, 0, <usize>cells << 2);
  pool(x, dy, dx, pp, true);
}

// Forward writes the maxima to out; backward adds dy to out at the winners.
@inline function pool(x: usize, dy: usize, out: usize, pp: usize, backward: bool): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), c = load<i32>(pp, IN_C);
  const outH = load<i32>(pp, OUT_H), outW = load<i32>(pp, OUT_W), ph = load<i32>(pp, K_H), pw = load<i32>(pp, K_W);
  const sh = load<i32>(pp, STRIDE_H), sw = load<i32>(pp, STRIDE_W), top = load<i32>(pp, PAD_T), left = load<i32>(pp, PAD_L);
  const pix = <usize>c << 2;
  let yp: usize = backward ? dy : out; // the [batch, outH, outW, c] side
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * sh - top, 0), y1 = min(oy * sh - top + ph, inH);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * sw - left, 0), x1 = min(ox * sw - left + pw, inW);
        const corner = (<usize>((n * inH + y0) * inW + x0)) * pix; // first valid tap
        if (y0 >= y1 || x0 >= x1) {
          // an all-padding window: the reference yields -Infinity and no gradient
          if (!backward) for (let ch = 0; ch < c; ch++) store<f32>(yp + (<usize>ch << 2), -Infinity);
        } else if (ASC_FEATURE_SIMD) {
          for (let ch = 0; ch < c; ch += 4) {
            const lanes = c - ch;
            const at = corner + (<usize>ch << 2);
            let best = v128.load(x + at);
            let won = i32x4.splat(0);
            let t = 0;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                if (t > 0) {
                  const v = v128.load(x + at + (<usize>((iy - y0) * inW + ix - x0)) * pix);
                  const gt = f32x4.gt(v, best);
                  best = v128.bitselect(v, best, gt);
                  won = v128.bitselect(i32x4.splat(t), won, gt);
                }
                t++;
              }
            }
            if (!backward) {
              storeLanes(yp + (<usize>ch << 2), best, lanes);
            } else {
              const d = v128.load(yp + (<usize>ch << 2));
              t = 0;
              for (let iy = y0; iy < y1; iy++) {
                for (let ix = x0; ix < x1; ix++) {
                  const p = out + at + (<usize>((iy - y0) * inW + ix - x0)) * pix;
                  storeLanes(p, f32x4.add(v128.load(p), v128.and(d, i32x4.eq(won, i32x4.splat(t)))), lanes);
                  t++;
                }
              }
            }
          }
        } else {
          for (let ch = 0; ch < c; ch++) {
            const at = corner + (<usize>ch << 2);
            let best = load<f32>(x + at);
            let bestAt = at;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const p = at + (<usize>((iy - y0) * inW + ix - x0)) * pix;
                const v = load<f32>(x + p);
                if (v > best) {
                  best = v;
                  bestAt = p;
                }
              }
            }
            if (!backward) store<f32>(yp + (<usize>ch << 2), best);
            else store<f32>(out + bestAt, load<f32>(out + bestAt) + load<f32>(yp + (<usize>ch << 2)));
          }
        }
        yp += pix;
      }
    }
  }
}
