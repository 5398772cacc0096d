// An asc transform (build-wasm.mjs passes it to asc with `--transform`): marks the functions below as
// never to be inlined, before Binaryen optimizes. At -O3 Binaryen inlines every function of up to 70
// expressions into each caller; for these, called from several kernels off their hot paths, one copy
// and a call is the smaller module.
const NOINLINE = [
  // storeBytes of fewer than 16 bytes (the last columns of qs8_spmm's rows, of qs8_conv2d's channel
  // groups, of qs8_requantize's rows): inlined at each of its 3 callers it cost 290 bytes more
  'assembly/lib/requant/storePart',
];

export default class {
  afterCompile(module) {
    const { binaryen } = this;
    for (const name of NOINLINE) {
      binaryen.setPassArgument('no-inline', name);
      module.runPasses(['no-inline']);
    }
    binaryen.setPassArgument('no-inline', null);
  }
}
