/** The Embind surface of the wasm module (wasm-build/bindings.cc). Internal. */
export interface ThreadInfo {
  workersCreated: number;
  workersStarted: number;
  threadLimit: number;
}

export interface QkvWasmModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  /** Present in the pthreads build only. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  initThreads(numThreads: number): void;
  threadInfo(): ThreadInfo;
  setThreadLimit(limit: number): void;
  simdTarget(): string;
  softmaxRows(ptr: number, length: number, rows: number): void;
  qkvUnrefWorkers(): void;
}

/** Options understood by the Emscripten factory plus qkv's own hooks. */
export interface QkvModuleOptions {
  /** Pthread workers to pre-start (threads flavour only). */
  qkvWorkers: number;
  /** Throws the Error for a failed binding call. */
  qkvThrowError: (code: number, message: string) => never;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export type QkvModuleFactory = (options: QkvModuleOptions) => Promise<QkvWasmModule>;
