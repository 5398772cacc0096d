// Float checkpoints: the architecture (layer configs, param shapes) as JSON, then every parameter
// value as little-endian float32 in ParamStore order. Written atomically (temp file, then rename);
// loading into a model of another architecture is a clear error, never a silent misfit.
//   bytes 0..7   magic "TPYCKPT1"
//   bytes 8..11  u32 LE: JSON header length J
//   12..12+J     JSON {version, inputShape, layers, params: [{layer, name, shape}], state?: {key: ...}}
//   then padding to a multiple of 4, then float32 values
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic_write.js';
import { ShapeError, TopiaryError } from '../errors.js';
import { shapeString } from '../engine/tensor.js';
import type { LayerConfig } from './layers.js';
import { checkpointSections } from './checkpoint_sections.js';
import type { Sequential } from './sequential.js';

const MAGIC = 'TPYCKPT1';

export class CheckpointError extends TopiaryError {}

/** The JSON header: the architecture a checkpoint was saved from (read it to rebuild the model). */
export interface CheckpointHeader {
  version: 1;
  inputShape: number[];
  layers: LayerConfig[];
  params: { layer: string; name: string; shape: number[] }[];
  /** State kept beside the weights by a checkpoint section, by key (e.g. 'pruning'); absent when none. */
  state?: Record<string, unknown>;
}


export function checkpointBytes(model: Sequential): Uint8Array {
  const header: CheckpointHeader = {
    version: 1,
    inputShape: [...model.inputShape],
    layers: model.layers.map((l) => l.config),
    params: model.params.map((p) => ({ layer: p.layer, name: p.name, shape: [...p.shape] })),
  };
  const state: Record<string, unknown> = {};
  for (const [key, section] of checkpointSections) {
    const value = section.save(model);
    if (value !== undefined) state[key] = value;
  }
  if (Object.keys(state).length > 0) header.state = state;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataAt = align4(12 + json.length);
  const out = new Uint8Array(dataAt + model.store.size * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  const values = model.store.values;
  for (let i = 0; i < values.length; i++) view.setFloat32(dataAt + 4 * i, values[i], true);
  return out;
}

/** Writes the model's weights to `path` atomically. */
export function saveCheckpoint(model: Sequential, path: string): void {
  writeFileAtomic(path, checkpointBytes(model));
}

/** Loads weights saved from a model of the same architecture into `model`. */
export function loadCheckpoint(model: Sequential, path: string): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError('CHECKPOINT_MISSING', `${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path or train again`);
  }
  restoreCheckpoint(model, bytes, path);
}

export function restoreCheckpoint(model: Sequential, bytes: Uint8Array, name = 'checkpoint'): void {
  const header = readCheckpointHeader(bytes, name);
  const mine = model.params.map((p) => `${p.layer}.${p.name}${shapeString(p.shape)}`);
  const theirs = header.params.map((p) => `${p.layer}.${p.name}${shapeString(p.shape)}`);
  if (mine.join() !== theirs.join() || shapeString(model.inputShape) !== shapeString(header.inputShape)) {
    throw new ShapeError('CHECKPOINT_SHAPE', `${name} was saved from a different model: it holds ${theirs.join(', ')} for input ${shapeString(header.inputShape)}, this model has ${mine.join(', ')} for input ${shapeString(model.inputShape)}; build the same architecture or retrain`);
  }
  const dataAt = align4(12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
  const n = model.store.size;
  if (bytes.length !== dataAt + 4 * n) {
    throw new CheckpointError('CHECKPOINT_TRUNCATED', `${name}: expected ${dataAt + 4 * n} bytes for ${n} parameters, found ${bytes.length}; the file is truncated or corrupt, save it again`);
  }
  const unknown = Object.keys(header.state ?? {}).filter((key) => !checkpointSections.has(key));
  if (unknown.length > 0) {
    throw new CheckpointError('CHECKPOINT_STATE', `${name} holds '${unknown.join("', '")}' state that nothing loaded can restore; import the module that saved it (e.g. topiary's prune for 'pruning') before loading`);
  }
  const apply = [...checkpointSections].map(([key, section]) => section.prepare(model, header.state?.[key], name));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) model.store.values[i] = view.getFloat32(dataAt + 4 * i, true);
  for (const a of apply) a();
}

/** The header of checkpoint bytes (magic and JSON checked); `name` names the file in errors. */
export function readCheckpointHeader(bytes: Uint8Array, name: string): CheckpointHeader {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new CheckpointError('CHECKPOINT_MAGIC', `${name} is not a topiary checkpoint (no "${MAGIC}" magic); pass a file written by saveCheckpoint / topiary train`);
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + len > bytes.length) throw new CheckpointError('CHECKPOINT_TRUNCATED', `${name}: the header claims ${len} bytes but the file has ${bytes.length - 12} left; the file is truncated`);
  try {
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as CheckpointHeader;
    if (h.version !== 1) throw new Error(`version ${h.version}`);
    const stateOk = h.state === undefined || (typeof h.state === 'object' && h.state !== null && !Array.isArray(h.state));
    if (!Array.isArray(h.params) || !Array.isArray(h.inputShape) || !stateOk) throw new Error('params, inputShape or state malformed');
    return h;
  } catch (e) {
    throw new CheckpointError('CHECKPOINT_HEADER', `${name}: unreadable checkpoint header (${(e as Error).message}); save it again with this version of topiary`);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
