// Compiles each kernel build of assembly/ twice (SIMD and scalar) with asc, then embeds each .wasm file
// in a generated module so the runtime needs neither fs nor fetch (Node and browsers alike):
//   full (assembly/index.ts, topiary/runtime)              wasm_bytes.gen.ts, wasm_scalar.gen.ts
//   int8 (assembly/runtime_int8.ts, topiary/runtime/int8)  wasm_int8_simd.gen.ts, wasm_int8_scalar.gen.ts
//   f32  (assembly/runtime_f32.ts, topiary/runtime/f32)    wasm_f32_simd.gen.ts, wasm_f32_scalar.gen.ts
// asconfig.json holds the options and targets but no entry (asc would merge it into every build): the
// entry is passed here, as is the transform scripts/asc-noinline.mjs, e.g.
// `npx asc assembly/index.ts --config asconfig.json --target debug --transform $PWD/scripts/asc-noinline.mjs`.
// Each runtime .wasm goes through wasm-shrink.mjs first (every v128.const that splats becomes the
// shortest splat of a scalar constant: 10 to 14 bytes less each, the same value). The training kernels (assembly/train/, their
// own asconfig so they never bloat the runtime's .wasm) are embedded as they are, in src/engine/train_wasm.gen.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shrinkWasm } from './wasm-shrink.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
mkdirSync(join(root, 'build'), { recursive: true });

const targets = ['simd', 'scalar'];
/** The asc transform that keeps a few shared helpers out of line (given here: asconfig.json's path resolution cannot find a local transform). */
const noinline = join(root, 'scripts', 'asc-noinline.mjs');

/**
 * Byte b is stored as the char CHAR[b]: (BYTE_KEY - b) & 255, then the chars of the byte pairs in
 * BYTE_SWAPS swapped, in order. The key puts the bytes wasm uses most (0x00, 0x20 local.get, 0x41
 * i32.const, 0xfd the SIMD prefix...) on one-byte UTF-8 chars that a minifier leaves unescaped (123
 * gave the smallest gzipped bundle of every key); the swaps then move the most frequent ones onto
 * chars the runtime's minified JS uses a lot, so one Huffman code serves both when gzip codes the
 * kernels and the JS in one block: 360 B less for topiary/runtime/int8 as shipped (a greedy search
 * over the 24 most frequent bytes on that bundle, 2026-11-28; bench/runtime_size.ts measures it).
 * Any permutation decodes exactly (src/runtime/wasm.ts, from wasm_swaps.gen.ts); these only compress better.
 */
const BYTE_KEY = 123;
const BYTE_SWAPS = [
  [32, 79], [0, 82], [1, 62], [253, 91], [65, 22], [33, 83], [11, 13], [4, 22], [106, 79], [2, 26], [34, 60], [3, 30], [64, 16], [12, 13], [7, 33],
  [16, 8], [5, 73], [14, 75], [8, 18], [128, 61], [108, 254], [27, 3], [40, 31], [11, 34], [106, 16], [64, 75], [14, 74], [128, 10], [40, 81],
  [128, 85], [40, 127], [116, 82], [17, 77], [113, 54], [107, 63], [40, 46], [29, 71],
  [255, 123], [117, 73], [192, 87], [67, 124],
];
const CHAR = Array.from({ length: 256 }, (_, b) => (BYTE_KEY - b) & 255);
/** The decoder's view of the swaps: the pairs of chars swapped, in order (the key's map is its own inverse). */
const CHAR_SWAPS = BYTE_SWAPS.flatMap(([x, y]) => {
  const pair = [CHAR[x], CHAR[y]];
  [CHAR[x], CHAR[y]] = [CHAR[y], CHAR[x]];
  return pair;
});

/** A single-quoted JS string literal of `bytes` mapped by CHAR (escaping only \\, ', LF and CR). */
function byteLiteral(bytes) {
  let s = "'";
  for (const b of bytes) {
    const c = CHAR[b];
    s += c === 92 ? '\\\\' : c === 39 ? "\\'" : c === 10 ? '\\n' : c === 13 ? '\\r' : String.fromCharCode(c);
  }
  return s + "'";
}

/** A single-quoted JS string literal of the chars with codes `codes` (\\xNN escapes for all but letters and digits). */
function byteString(codes) {
  return `'${codes.map((c) => (/[0-9A-Za-z]/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`)).join('')}'`;
}

function writeAtomic(path, text) {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

/** [build name, entry, .wasm file stem, generated module per target, its export per target]. */
const BUILDS = [
  ['full', 'assembly/index.ts', 'kernels', ['wasm_bytes.gen.ts', 'wasm_scalar.gen.ts'], ['SIMD_WASM', 'SCALAR_WASM']],
  ['int8', 'assembly/runtime_int8.ts', 'kernels_int8', ['wasm_int8_simd.gen.ts', 'wasm_int8_scalar.gen.ts'], ['INT8_SIMD_WASM', 'INT8_SCALAR_WASM']],
  ['f32', 'assembly/runtime_f32.ts', 'kernels_f32', ['wasm_f32_simd.gen.ts', 'wasm_f32_scalar.gen.ts'], ['F32_SIMD_WASM', 'F32_SCALAR_WASM']],
];

// The runtime's kernels as JS string literals, one char per byte: gzip then sees (nearly) the bytes
// themselves, where base64's 6-bit symbols cost about a third more. The SIMD build is what every
// engine with SIMD runs, so it is in the runtime's own chunk; the scalar build is a module of its
// own that the runtime imports only when it is needed (src/runtime/wasm.ts).
// The swaps, for the decoder: the char pairs, as chars.
writeAtomic(join(root, 'src', 'runtime', 'wasm_swaps.gen.ts'), [
  '// GENERATED by scripts/build-wasm.mjs — do not edit. Rebuild with `npm run build:wasm`.',
  `// The pairs of chars the embedded kernels swap after the key ${BYTE_KEY}, in order (src/runtime/wasm.ts decodes them).`,
  `export const CHAR_SWAPS = ${byteString(CHAR_SWAPS)};`,
].join('\n') + '\n');

for (const [build, entry, stem, files, names] of BUILDS) {
  targets.forEach((target, i) => {
    const out = `build/${stem}.${target}.wasm`;
    execFileSync(process.execPath, [asc, entry, '--config', 'asconfig.json', '--target', target, '--outFile', out, '--transform', noinline], { cwd: root, stdio: 'inherit' });
    const { bytes, splats } = shrinkWasm(readFileSync(join(root, out)));
    writeAtomic(join(root, out), bytes);
    const text = [
      `// GENERATED by scripts/build-wasm.mjs from ${entry} — do not edit. Rebuild with \`npm run build:wasm\`.`,
      `// The ${build} kernel build, ${target}, ${bytes.length} bytes, byte b as the char CHAR[b] of build-wasm.mjs (src/runtime/wasm.ts decodes it).`,
      `export const ${names[i]} = ${byteLiteral(bytes)};`,
    ];
    writeAtomic(join(root, 'src', 'runtime', files[i]), text.join('\n') + '\n');
    console.log(`${out}: ${bytes.length} bytes (${splats} v128.const splats rewritten)`);
  });
}

// Training kernels: assembly/train/asconfig.json (asc merges a config's entries into every target,
// so the training module keeps its own config file).
const trainLines = [
  '// GENERATED by scripts/build-wasm.mjs from assembly/train/ — do not edit. Rebuild with `npm run build:wasm`.',
  '// The training kernels of the WASM engine backend (src/engine/wasm_backend.ts) as base64.',
];
for (const target of targets) {
  execFileSync(process.execPath, [asc, '--config', 'assembly/train/asconfig.json', '--target', target], { cwd: root, stdio: 'inherit' });
  const bytes = readFileSync(join(root, 'build', `train.${target}.wasm`));
  trainLines.push(`/** ${bytes.length} bytes */`);
  trainLines.push(`export const TRAIN_${target.toUpperCase()}_WASM_BASE64 = '${bytes.toString('base64')}';`);
  console.log(`build/train.${target}.wasm: ${bytes.length} bytes`);
}
writeAtomic(join(root, 'src', 'engine', 'train_wasm.gen.ts'), trainLines.join('\n') + '\n');
