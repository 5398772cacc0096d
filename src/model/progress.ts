// Training progress: a live bar with loss/accuracy on a TTY, one line per epoch otherwise.
import type { BatchLogs, Callback, EpochLogs, TrainContext } from './callbacks.js';

export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

export function progressCallback(out: ProgressSink): Callback {
  let started = 0;
  let seen = 0;
  let lossSum = 0;
  let correct = 0;
  let lastDraw = 0;
  return {
    onEpochBegin() {
      started = performance.now();
      seen = lossSum = correct = 0;
    },
    onBatchEnd(batch: number, logs: BatchLogs, ctx: TrainContext) {
      seen += logs.size;
      lossSum += logs.loss * logs.size;
      correct += logs.accuracy * logs.size;
      const now = performance.now();
      if (!out.isTTY || (now - lastDraw < 100 && batch + 1 < ctx.stepsPerEpoch)) return;
      lastDraw = now;
      const done = (batch + 1) / ctx.stepsPerEpoch;
      const width = 24;
      const bar = '='.repeat(Math.round(done * width)).padEnd(width, '.');
      out.write(`\rEpoch ${ctx.epoch + 1}/${ctx.epochs} [${bar}] ${batch + 1}/${ctx.stepsPerEpoch} loss ${(lossSum / seen).toFixed(4)} acc ${(correct / seen).toFixed(4)}`);
    },
    onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext) {
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      const val = logs.valLoss === undefined ? '' : ` - val_loss ${logs.valLoss.toFixed(4)} - val_acc ${logs.valAccuracy!.toFixed(4)}`;
      const prefix = out.isTTY ? '\r\x1b[K' : '';
      out.write(`${prefix}Epoch ${epoch + 1}/${ctx.epochs} - ${secs}s - ${Math.round(seen / Number(secs || 1))} samples/s - loss ${logs.loss.toFixed(4)} - acc ${logs.accuracy.toFixed(4)}${val}\n`);
    },
  };
}
