// Checkpoints as the CLI passes them between commands. A checkpoint carries its architecture, so any
// Sequential saved with saveCheckpoint() loads here, not only the seed CNN.
//   float  model.ckpt                      from train and prune (pruned weights are exact zeros)
//   QAT    q.ckpt + q.ranges.json          from quantize: the weights (with the fake-quant layers in
//                                          the header) and every observer's range (qatState)
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../atomic_write.js';
import { defaultEngineBackend } from '../engine/backend_default.js';
import { TopiaryError } from '../errors.js';
import { CheckpointError, readCheckpointHeader, restoreCheckpoint, saveCheckpoint, type CheckpointHeader } from '../model/checkpoint.js';
import { layerFromConfig, type LayerConfig } from '../model/layers.js';
import { Sequential } from '../model/sequential.js';
import { qatState, quantizeModel, restoreQatState, type QatModel, type QatState } from '../quant/qat.js';

export type LoadedCheckpoint = { kind: 'float'; model: Sequential } | { kind: 'qat'; model: QatModel; rangesPath: string };

/** Where the ranges of the QAT checkpoint `path` live: q.ckpt -> q.ranges.json (as the recipe cache names them). */
export function rangesPath(path: string): string {
  return `${path.replace(/\.ckpt$/, '')}.ranges.json`;
}

/** A float or QAT checkpoint, rebuilt from the architecture in its header, on the default engine backend. */
export function loadCheckpointFile(path: string): LoadedCheckpoint {
  const bytes = readBytes(path);
  const header = readCheckpointHeader(bytes, path);
  const float = floatModel(header, path);
  if (!header.layers.some((l) => l.type === 'fake_quant')) {
    restoreCheckpoint(float, bytes, path);
    return { kind: 'float', model: float };
  }
  const ranges = rangesPath(path);
  const state = readRanges(ranges, path);
  const model = quantizeModel(float, { denseWeights: denseGranularity(state, float), backend: float.backend });
  restoreCheckpoint(model, bytes, path);
  restoreQatState(model, state);
  return { kind: 'qat', model, rangesPath: ranges };
}

/** A float checkpoint; a QAT one is refused with what to pass instead. */
export function loadFloatCheckpoint(path: string, command: string): Sequential {
  const loaded = loadCheckpointFile(path);
  if (loaded.kind === 'qat') {
    throw new CheckpointError('CHECKPOINT_QAT', `${path} is a QAT checkpoint (from topiary quantize); ${command} takes a float checkpoint: pass the one it was quantized from, or convert this one with topiary convert`);
  }
  return loaded.model;
}

/** Writes a QAT model: ranges first, then the weights, each atomically; on failure neither is left new. */
export function saveQatCheckpoint(model: QatModel, path: string): string {
  const ranges = rangesPath(path);
  writeFileAtomic(ranges, `${JSON.stringify(qatState(model))}\n`);
  try {
    saveCheckpoint(model, path);
  } catch (e) {
    rmSync(ranges, { force: true });
    throw e;
  }
  return ranges;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? (e as Error).message})`;
    throw new CheckpointError('CHECKPOINT_MISSING', `${path} ${why}; pass a checkpoint written by topiary train, prune or quantize`);
  }
}

/** The float model of the header's architecture (a QAT header without its fake-quant layers). */
function floatModel(header: CheckpointHeader, path: string): Sequential {
  if (!Array.isArray(header.layers)) {
    throw new CheckpointError('CHECKPOINT_HEADER', `${path}: the header lists no layers; save the checkpoint again with this version of topiary`);
  }
  const configs = header.layers.filter((l) => l?.type !== 'fake_quant') as LayerConfig[];
  try {
    return new Sequential(configs.map(layerFromConfig), { inputShape: header.inputShape, backend: defaultEngineBackend() });
  } catch (e) {
    const why = e instanceof TopiaryError ? e.message : `unreadable layer configs (${(e as Error).message})`;
    throw new CheckpointError('CHECKPOINT_HEADER', `${path}: cannot rebuild its architecture: ${why}; save the checkpoint again with this version of topiary`);
  }
}

function readRanges(path: string, checkpoint: string): QatState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CheckpointError('QAT_RANGES_MISSING', `${checkpoint} is a QAT checkpoint but its ranges file ${path} cannot be read; keep the two files (written by topiary quantize) together`);
  }
  try {
    return JSON.parse(text) as QatState;
  } catch (e) {
    throw new CheckpointError('QAT_RANGES_CORRUPT', `${path}: not JSON (${(e as Error).message}); run topiary quantize again`);
  }
}

/** Dense kernels were quantized per tensor (one range) or per channel (one per unit): the saved ranges say which. */
function denseGranularity(state: QatState, float: Sequential): 'per_tensor' | 'per_channel' {
  for (const layer of float.layers) {
    if (layer.config.type !== 'dense' || layer.config.units === 1) continue;
    const saved = state?.layers?.find?.((l) => l.name === layer.name && l.kind === 'kernel');
    const channels = (saved?.observer as { mins?: unknown[] } | undefined)?.mins?.length;
    if (channels === layer.config.units) return 'per_channel';
    if (channels !== undefined) return 'per_tensor';
  }
  return 'per_tensor';
}
