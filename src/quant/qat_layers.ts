// The layers quantization-aware training adds to a model (tfmot's default 8-bit scheme, anchors
// features.md §2.5): a fake-quant layer for the input and for each activation, and Conv2D / Dense whose
// forward multiplies by a fake-quantized kernel. They are ordinary engine layers, so fit() trains them
// unchanged; what they do depends on one shared mode the QAT model sets:
//   'train'     ranges update from this batch (input: all values, activations: moving average, kernels:
//               last value), then the batch is fake-quantized with them; gradients pass straight through
//               inside the range (the clipped STE of fake_quant.ts)
//   'eval'      fake quant with the stored ranges, nothing updates (Keras' training=False)
//   'calibrate' post-training calibration: activation layers record min/max and pass values unchanged
import type { EngineBackend } from '../engine/backend.js';
import type { FloatAllocator } from '../engine/params.js';
import { sizeOf, type Shape } from '../engine/tensor.js';
import { Conv2D, Dense, Layer, type LayerConfig } from '../model/layers.js';
import { applyMask } from '../prune/mask.js';
import { fakeQuant, fakeQuantPerChannel, nudge } from './fake_quant.js';
import { AllValuesObserver, batchRange, LastValueObserver, MovingAverageObserver, type Range } from './observers.js';
import type { WeightGranularity } from './ptq.js';

export type QatMode = 'train' | 'eval' | 'calibrate';

/** Shared by every QAT layer of one model; the model flips it around each training batch. */
export interface QatContext {
  mode: QatMode;
}

/** Fake quantization of the model input (all-values range) or of an activation (moving average). */
export class FakeQuantLayer extends Layer {
  readonly config: Extract<LayerConfig, { type: 'fake_quant' }>;
  /** The range of the last training forward, which its backward masks the gradient with. */
  private used: Range = { min: 0, max: 0 };

  constructor(
    role: 'input' | 'activation',
    public observer: AllValuesObserver | MovingAverageObserver,
    private readonly ctx: QatContext,
  ) {
    super();
    this.config = { type: 'fake_quant', role };
  }

  build(inShape: Shape): Shape {
    return [...inShape];
  }

  forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    const n = batch * sizeOf(this.inShape); // buffers are sized for the largest batch so far: never read past this one
    if (this.ctx.mode === 'calibrate') {
      this.observer.observeBatch(batchRange(ops.minMaxOf(x, n), n));
      y.set(x.subarray(0, n));
      return;
    }
    const r = this.ctx.mode === 'train' ? this.observer.observeBatch(batchRange(ops.minMaxOf(x, n), n)) : this.observer.range();
    this.used = r;
    const g = nudge(r.min, r.max);
    ops.fakeQuantForward(x, y, n, g.min, g.max, g.scale);
  }

  backward(ops: EngineBackend, x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void {
    if (!dx) return;
    const g = nudge(this.used.min, this.used.max);
    ops.fakeQuantBackward(dy, x, dx, batch * sizeOf(this.inShape), g.min, g.max);
  }
}

const NARROW = { narrowRange: true };

/**
 * One kernel's weight quantizer: symmetric narrow-range LastValue ([-max|w|, max|w|] per output channel,
 * or one range for the tensor), with sparsity preservation: where `mask` is 0 the weight is zeroed before
 * every fake quant (tfmot PQAT's w * mask), so it quantizes to exactly 0.
 */
export class KernelQuantizer {
  observer: LastValueObserver;
  private buffer: Float32Array | null = null;

  /** Ranges kept: one per output channel (the kernel's last axis, `outputs` of them) or one for the tensor. */
  readonly channels: number;

  constructor(
    readonly granularity: WeightGranularity,
    outputs: number,
    /** 0 where the weight must stay exactly zero; null when nothing is masked. */
    readonly mask: Uint8Array | null,
    private readonly alloc: FloatAllocator,
  ) {
    this.channels = granularity === 'per_channel' ? outputs : 1;
    this.observer = new LastValueObserver(this.channels);
  }

  /** The fake-quantized kernel (in a buffer of the model's backend); `observe` takes this kernel's range first. */
  quantize(w: Float32Array, observe: boolean): Float32Array {
    if (this.mask) applyMask(w, this.mask);
    const { mins, maxs } = observe ? this.observer.observe(w) : this.observer.ranges();
    this.buffer ??= this.alloc(w.length);
    return this.channels === 1
      ? fakeQuant(w, mins[0], maxs[0], NARROW, this.buffer)
      : fakeQuantPerChannel(w, mins, maxs, NARROW, this.buffer);
  }

  /** The stored half-ranges a_c (the int8 weight scales are a_c / 127). */
  halfRanges(): Float32Array {
    return this.observer.ranges().maxs;
  }
}

/** Conv2D whose forward and backward use the fake-quantized kernel (the STE sends its gradient to the float kernel). */
export class QatConv2D extends Conv2D {
  private kernel: Float32Array | null = null;

  constructor(cfg: ConstructorParameters<typeof Conv2D>[0], readonly weights: KernelQuantizer, private readonly ctx: QatContext) {
    super(cfg);
  }

  override forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    this.kernel = this.weights.quantize(this.params[0].value, this.ctx.mode === 'train');
    super.forward(ops, x, y, batch);
  }

  override kernelForForward(): Float32Array {
    return (this.kernel ??= this.weights.quantize(this.params[0].value, false));
  }
}

/** Dense whose forward and backward use the fake-quantized kernel. */
export class QatDense extends Dense {
  private kernel: Float32Array | null = null;

  constructor(cfg: ConstructorParameters<typeof Dense>[0], readonly weights: KernelQuantizer, private readonly ctx: QatContext) {
    super(cfg);
  }

  override forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    this.kernel = this.weights.quantize(this.params[0].value, this.ctx.mode === 'train');
    super.forward(ops, x, y, batch);
  }

  override kernelForForward(): Float32Array {
    return (this.kernel ??= this.weights.quantize(this.params[0].value, false));
  }
}
