// maxpool2d training kernels, NHWC, windows clipped at the padding (padded cells never win).
// The gradient goes to the first maximum of each window in row-major order (TensorFlow's MaxPoolGrad):
// a later tap wins only when strictly greater, exactly as the reference compares.
// Reference twins: maxPool2dForward/maxPool2dBackward (src/engine/ops/maxpool2d.ts). Bit-exact.
// SIMD: 4 channels of one window per vector; `won` holds the index of each lane's winning tap.
// 2x2 windows with stride 2 and no padding (the seed's pool) take a fast path in both builds: the
// windows tile the image, so backward stores each cell once instead of zeroing dx and adding.
import { storeLanes } from './simd';
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, K_H, K_W, STRIDE_H, STRIDE_W, PAD_T, PAD_L } from './params';

export function maxpool2d_forward(x: usize, y: usize, pp: usize): void {
  if (isTiling2x2(pp)) pool2x2(x, 0, y, pp, false);
  else pool(x, 0, y, pp, false);
}

/** dx = 0, then dx[first max of each window] += dy. */
export function maxpool2d_backward(x: usize, dy: usize, dx: usize, pp: usize): void {
  const inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W);
  const bytes = <usize>(load<i32>(pp, BATCH) * inH * inW * load<i32>(pp, IN_C)) << 2;
  if (isTiling2x2(pp)) {
    if ((inH & 1) != 0 || (inW & 1) != 0) memory.fill(dx, 0, bytes); // an odd last row/column stays 0
    pool2x2(x, dy, dx, pp, true);
    return;
  }
  memory.fill(dx, 0, bytes);
  pool(x, dy, dx, pp, true);
}

@inline function isTiling2x2(pp: usize): bool {
  return load<i32>(pp, K_H) == 2 && load<i32>(pp, K_W) == 2 && load<i32>(pp, STRIDE_H) == 2 && load<i32>(pp, STRIDE_W) == 2 &&
    load<i32>(pp, PAD_T) == 0 && load<i32>(pp, PAD_L) == 0 &&
    2 * load<i32>(pp, OUT_H) <= load<i32>(pp, IN_H) && 2 * load<i32>(pp, OUT_W) <= load<i32>(pp, IN_W);
}

// Taps a b / c d in row-major order; a later tap wins only when strictly greater than the best so far.
@inline function pool2x2(x: usize, dy: usize, out: usize, pp: usize, backward: bool): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), c = load<i32>(pp, IN_C);
  const outH = load<i32>(pp, OUT_H), outW = load<i32>(pp, OUT_W);
  const pix = <usize>c << 2;
  const row = <usize>inW * pix;
  let yp: usize = backward ? dy : out;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      let at = (<usize>((n * inH + 2 * oy) * inW)) * pix;
      for (let ox = 0; ox < outW; ox++) {
        if (ASC_FEATURE_SIMD) {
          for (let ch = 0; ch < c; ch += 4) {
            const lanes = c - ch;
            const p = at + (<usize>ch << 2);
            const a = v128.load(x + p), b = v128.load(x + p + pix), cc = v128.load(x + p + row), d = v128.load(x + p + row + pix);
            const g1 = f32x4.gt(b, a);
            const m1 = v128.bitselect(b, a, g1);
            const g2 = f32x4.gt(cc, m1);
            const m2 = v128.bitselect(cc, m1, g2);
            const g3 = f32x4.gt(d, m2);
            if (!backward) {
              storeLanes(yp + (<usize>ch << 2), v128.bitselect(d, m2, g3), lanes);
            } else {
              const dv = v128.load(yp + (<usize>ch << 2));
              const later = v128.or(g2, g3); // c or d beat every earlier tap
              storeLanes(out + p, v128.andnot(dv, v128.or(g1, later)), lanes);
              storeLanes(out + p + pix, v128.andnot(v128.and(dv, g1), later), lanes);
              storeLanes(out + p + row, v128.andnot(v128.and(dv, g2), g3), lanes);
              storeLanes(out + p + row + pix, v128.and(dv, g3), lanes);
            }
          }
        } else {
          for (let ch = 0; ch < c; ch++) {
            const p = at + (<usize>ch << 2);
            const a = load<i32>(x + p), b = load<i32>(x + p + pix), cc = load<i32>(x + p + row), d = load<i32>(x + p + row + pix);
            // masks (all ones / zero) as in the SIMD path, compared as floats, selected as bits
            const g1 = -(<i32>(reinterpret<f32>(b) > reinterpret<f32>(a)));
            const m1 = (b & g1) | (a & ~g1);
            const g2 = -(<i32>(reinterpret<f32>(cc) > reinterpret<f32>(m1)));
            const m2 = (cc & g2) | (m1 & ~g2);
            const g3 = -(<i32>(reinterpret<f32>(d) > reinterpret<f32>(m2)));
            if (!backward) {
              store<i32>(yp + (<usize>ch << 2), (d & g3) | (m2 & ~g3));
            } else {
              const dv = load<i32>(yp + (<usize>ch << 2));
              const later = g2 | g3;
              store<i32>(out + p, dv & ~(g1 | later));
              store<i32>(out + p + pix, dv & g1 & ~later);
              store<i32>(out + p + row, dv & g2 & ~g3);
              store<i32>(out + p + row + pix, dv & g3);
            }
          }
        }
        at += 2 * pix;
        yp += pix;
      }
    }
  }
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
                const m = -(<i32>(v > best)); // branchless: which tap wins is data
                best = reinterpret<f32>((reinterpret<i32>(v) & m) | (reinterpret<i32>(best) & ~m));
                bestAt = (p & m) | (bestAt & ~m);
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
