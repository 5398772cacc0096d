// Bump allocation over linear memory, owned by the host: the host asks for bytes once at prepare time
// and passes offsets to kernels. `reset` forgets every allocation (the next arena starts at the base).

/** The first 16-byte aligned byte above the static data (an expression: as a global's initializer it would need a start function). */
@inline function base(): usize {
  return (__heap_base + 15) & ~15;
}

let top: usize = 0; // 0: the base

/** Returns a 16-byte aligned offset of `bytes` bytes, growing memory when needed; 0 if it cannot grow. */
export function alloc(bytes: usize): usize {
  const ptr = top ? top : base();
  const end = (ptr + bytes + 15) & ~15;
  const pages = i32((end + 0xffff) >>> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) return 0;
  top = end;
  return ptr;
}

/** Frees everything allocated so far. */
export function reset(): void {
  top = base();
}
