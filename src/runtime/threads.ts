// Threads for the pool in any JavaScript engine: worker_threads in Node, Web Workers elsewhere
// (browsers, Deno). Node's modules are reached through process.getBuiltinModule, never through an
// import statement, so the runtime entry and any browser bundle of it hold no node: module.
import { RuntimeError } from './errors.js';

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?(id: string): unknown;
}

// The few parts of node:worker_threads and node:os used here (their types would be an import).
interface NodeWorker {
  postMessage(message: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message' | 'error' | 'messageerror' | 'exit', listener: (arg: never) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}
interface NodePort {
  postMessage(message: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message', listener: (data: unknown) => void): void;
}
interface WorkerThreads {
  Worker: new (url: URL) => NodeWorker;
  parentPort: NodePort | null;
}
interface NodeOs {
  availableParallelism?(): number;
  cpus(): unknown[];
}

/** A Node built-in module when running in Node; undefined in other engines. */
async function nodeBuiltin<T>(id: string): Promise<T | undefined> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (typeof proc?.versions?.node !== 'string') return undefined;
  if (proc.getBuiltinModule) return proc.getBuiltinModule(id) as T;
  const specifier = id; // Node before 20.16 has no getBuiltinModule; bundlers leave this import alone
  return (await import(specifier)) as T;
}

/** The pool's side of one worker. */
export interface Thread {
  post(message: unknown, transfer?: Transferable[]): void;
  /** Node: whether this worker keeps the process alive (it does from its start; the pool lets go when idle). */
  hold(busy: boolean): void;
  terminate(): Promise<void>;
}

export interface ThreadEvents {
  message(data: unknown): void;
  /** The worker is gone or broken: `why` completes "worker 2 of 4 ...". Called at least once. */
  fail(why: string): void;
}

/** Starts the worker module at `url`: a worker_threads Worker in Node, a module Web Worker elsewhere. */
export async function startThread(url: URL, events: ThreadEvents): Promise<Thread> {
  const threads = await nodeBuiltin<WorkerThreads>('node:worker_threads');
  if (threads) {
    const w = new threads.Worker(url);
    w.on('message', events.message as (data: never) => void);
    w.on('error', (e: Error) => events.fail(`threw ${e.name}: ${e.message}`));
    w.on('messageerror', () => events.fail('sent a message that could not be read'));
    w.on('exit', (code: number) => events.fail(`exited with code ${code}`));
    return {
      post: (m, t) => w.postMessage(m, t),
      hold: (busy) => (busy ? w.ref() : w.unref()),
      terminate: async () => void (await w.terminate()),
    };
  }
  if (typeof Worker !== 'function') {
    throw new RuntimeError('unsupported', 'this JavaScript engine has neither worker_threads nor Web Workers; run the model on one thread with loadModel');
  }
  const w = new Worker(url, { type: 'module' });
  w.onmessage = (e) => events.message(e.data);
  w.onmessageerror = () => events.fail('sent a message that could not be read');
  w.onerror = (e) => {
    e.preventDefault(); // handled here: not also an uncaught error of the page
    events.fail(e.message ? `threw ${e.message}` : `failed to start (is ${url.href} a module the page can load?)`);
  };
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    hold: () => {},
    terminate: async () => w.terminate(),
  };
}

/** The worker's side: messages from and to the pool that started it. */
export interface ParentPort {
  post(message: unknown, transfer?: Transferable[]): void;
  listen(handler: (data: unknown) => void): void;
}

export async function parentPort(): Promise<ParentPort> {
  const threads = await nodeBuiltin<WorkerThreads>('node:worker_threads');
  if (threads) {
    const port = threads.parentPort;
    if (!port) throw new Error('src/runtime/worker.js is a worker script: start it through createPool');
    return { post: (m, t) => port.postMessage(m, t), listen: (h) => port.on('message', h) };
  }
  const scope = globalThis as unknown as {
    postMessage(message: unknown, transfer: Transferable[]): void;
    addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  };
  return { post: (m, t) => scope.postMessage(m, t ?? []), listen: (h) => scope.addEventListener('message', (e) => h(e.data)) };
}

/** The engine's hardware threads: os.availableParallelism() in Node, navigator.hardwareConcurrency elsewhere. */
export async function availableThreads(): Promise<number> {
  const os = await nodeBuiltin<NodeOs>('node:os');
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n! > 0 ? n! : 1;
}
