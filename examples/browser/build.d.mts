/** Writes runtime.js, pool.js, worker.js (and their shared chunks) to `outDir`; resolves to the file names. */
export function buildRuntime(outDir?: string): Promise<string[]>;
