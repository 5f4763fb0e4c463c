/**
 * transformers.js options qkv has no use for: said once per name on the
 * console, so code written for transformers.js runs and its author learns
 * what did nothing, instead of the option vanishing silently.
 */
/**
 * The transformers.js loading options qkv takes so that code written for
 * transformers.js compiles and runs unchanged, and ignores with a console
 * warning (once per option).
 */
export interface IgnoredTransformersOptions {
  /** @deprecated Ignored: qkv always runs on its WebAssembly backend (env.wasm.numThreads picks the threads). */
  device?: unknown;
  /** @deprecated Ignored: qkv has no ONNX Runtime session. */
  session_options?: unknown;
  /** @deprecated Ignored: qkv reads safetensors, not ONNX. */
  use_external_data_format?: unknown;
  /** @deprecated Ignored: qkv reads model.safetensors (or its shards). */
  model_file_name?: unknown;
  /** @deprecated Ignored: qkv reads the repository root. */
  subfolder?: unknown;
  /** @deprecated Ignored: set env.cacheDir (Node.js) instead. */
  cache_dir?: unknown;
  /** @deprecated Ignored: set env.allowRemoteModels = false instead. */
  local_files_only?: unknown;
  /** @deprecated Ignored: qkv reads config.json from the source. */
  config?: unknown;
}

const IGNORED: Record<keyof IgnoredTransformersOptions, string> = {
  device: 'qkv always runs on its WebAssembly backend (env.wasm.numThreads picks the threads)',
  session_options: 'qkv has no ONNX Runtime session',
  use_external_data_format: 'qkv reads safetensors, not ONNX',
  model_file_name: 'qkv reads model.safetensors (or its shards)',
  subfolder: 'qkv reads the repository root',
  cache_dir: 'set env.cacheDir (Node.js) instead',
  local_files_only: 'set env.allowRemoteModels = false instead',
  config: 'qkv reads config.json from the source',
};

const warned = new Set<string>();

/** Warns once per process about each transformers.js option in `options` that qkv ignores. */
export function warnIgnoredOptions(options: object, where: string): void {
  for (const key of Object.keys(options)) {
    const why = (IGNORED as Record<string, string | undefined>)[key];
    if (why === undefined || (options as Record<string, unknown>)[key] === undefined || warned.has(key)) continue;
    warned.add(key);
    console.warn(`qkv: ${where} ignores the transformers.js option '${key}': ${why}`);
  }
}
