import { InvalidArgumentError } from './errors.js';

/** Settings shared by every model, in the style of ONNX Runtime Web's `env`. */
export interface WasmEnv {
  /**
   * Threads for kernels: 0 (default) picks one per core (at most 8), 1 forces
   * the single-threaded build. More than one needs `SharedArrayBuffer`, i.e. a
   * cross-origin isolated page (COOP: same-origin, COEP: require-corp) or
   * Node.js; otherwise qkv warns once and runs on one thread. Can be changed
   * at any time: lowering it takes effect at the next call; raising it beyond
   * the threads started at initialization warns and is capped.
   */
  numThreads: number;
  /**
   * Where `qkv-simd*.mjs`, `.wasm` and the pthread worker are served from: a
   * URL prefix ending in `/` (or, in Node.js, a folder path). Default: where
   * qkv's own files put them — the `wasm/` folder next to `index.js`, or
   * wherever a bundler (Vite) emitted them. Read once, when the runtime is
   * first initialized.
   */
  wasmPaths: string | undefined;
}

export interface Env {
  readonly wasm: WasmEnv;
  /**
   * Keep model files fetched by URL in the browser's Cache API (default true,
   * as transformers.js), so a page downloads a model once. No effect in
   * Node.js or where the Cache API is missing (insecure origins).
   */
  useBrowserCache: boolean;
}

type Listener = (numThreads: number) => void;
let numThreadsListener: Listener | undefined;

/** Lets the backend apply a change of `numThreads` made after it started. */
export function onNumThreadsChange(listener: Listener | undefined): void {
  numThreadsListener = listener;
}

let numThreads = 0;

const wasm: WasmEnv = {
  get numThreads(): number {
    return numThreads;
  },
  set numThreads(value: number) {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidArgumentError(`env.wasm.numThreads must be a whole number >= 0 (0 = auto), got ${String(value)}`);
    }
    numThreads = value;
    numThreadsListener?.(value);
  },
  wasmPaths: undefined,
};

let useBrowserCache = true;

export const env: Env = Object.seal({
  wasm,
  get useBrowserCache(): boolean {
    return useBrowserCache;
  },
  set useBrowserCache(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new InvalidArgumentError(`env.useBrowserCache must be true or false, got ${String(value)}`);
    }
    useBrowserCache = value;
  },
});
