// Bump allocation over linear memory, owned by the host: the host asks for bytes once at prepare time
// and passes offsets to kernels. `reset` forgets every allocation (the next arena starts at the base).

let base: usize = 0;
let top: usize = 0;

/** Returns a 16-byte aligned offset of `bytes` bytes, growing memory when needed; 0 if it cannot grow. */
export function alloc(bytes: usize): usize {
  if (base == 0) { base = (__heap_base + 15) & ~15; top = base; }
  const ptr = top;
  const end = (ptr + bytes + 15) & ~15;
  const pages = i32((end + 0xffff) >>> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) return 0;
  top = end;
  return ptr;
}

/** Frees everything allocated so far. */
export function reset(): void {
  if (base == 0) base = (__heap_base + 15) & ~15;
  top = base;
}
