// qs8_maxpool2d: NHWC int8 max pooling, TFLite's reference: the max of the raw int8 values over the
// window's in-image taps (padding taps are skipped), clamped to [actMin, actMax]; in and out share
// quantization params. SIMD over 16 channels at a time.
// Params block (packMaxpool2d): i32 h, w, c, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW,
// actMin, actMax. Reference: src/runtime/reference/qs8_maxpool2d.ts.
export function qs8_maxpool2d(params: usize, x: usize, y: usize, n: i32): void {
  const h = load<i32>(params), w = load<i32>(params, 4), c = load<i32>(params, 8);
  const ph = load<i32>(params, 12), pw = load<i32>(params, 16), sh = load<i32>(params, 20), sw = load<i32>(params, 24);
  const pt = load<i32>(params, 28), pl = load<i32>(params, 32), oh = load<i32>(params, 36), ow = load<i32>(params, 40);
  const lo = load<i32>(params, 44), hi = load<i32>(params, 48);
  const xEnd = x + <usize>(n * h * w * c), yEnd = y + <usize>(n * oh * ow * c);
  let out = y;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>(b * h * w * c);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - pt, 0), y1 = min(oy * sh - pt + ph, h);
      for (let ox = 0; ox < ow; ox++, out += c) {
        const x0 = max(ox * sw - pl, 0), x1 = min(ox * sw - pl + pw, w);
        const last = img + <usize>(((y1 - 1) * w + x1 - 1) * c); // the window's last tap
        if (ASC_FEATURE_SIMD) {
          const vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
          // 16 channels a step through whole 16-byte loads and stores, or, where those would pass x's or
          // y's end (the batch's last pixels), 1 a step through lane 0 (one loop: 87 B less .wasm than beside a scalar loop,
          // as fast on the seed pool)
          for (let ch = 0; ch < c;) {
            const wide = last + <usize>(ch + 16) <= xEnd && out + <usize>(ch + 16) <= yEnd;
            let m = i8x16.splat(-128);
            for (let ty = y0; ty < y1; ty++) {
              for (let tx = x0; tx < x1; tx++) {
                const a = img + <usize>((ty * w + tx) * c + ch);
                m = i8x16.max_s(m, wide ? v128.load(a) : v128.load8_splat(a));
              }
            }
            m = i8x16.min_s(i8x16.max_s(m, vlo), vhi);
            // Bytes past this pixel's channels land on the next pixel's, rewritten right after.
            if (wide) { v128.store(out + ch, m); ch += 16; }
            else { v128.store8_lane(out + ch, m, 0); ch++; }
          }
        } else {
          for (let ch = 0; ch < c; ch++) {
            let m: i32 = -128;
            for (let ty = y0; ty < y1; ty++) {
              for (let tx = x0; tx < x1; tx++) m = max(m, <i32>load<i8>(img + <usize>((ty * w + tx) * c + ch)));
            }
            store<i8>(out + ch, <i8>min(max(m, lo), hi));
          }
        }
      }
    }
  }
}
