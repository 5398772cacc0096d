// An asc transform (build-wasm.mjs passes it to asc with `--transform`): marks the functions below
// as never to be inlined, before Binaryen optimizes. At -O3 Binaryen inlines every function of up to 70 expressions into
// each caller; for these, used from many places in the kernels, one copy and a call is the smaller
// module and costs no measurable time where they run (partial stores and scalar tails, off the hot path).
const NOINLINE = [
  'assembly/lib/requant/storeFew', // storeBytes of fewer than 16 bytes (a full store stays inline)
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
