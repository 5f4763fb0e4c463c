/**
 * transformers.js options qkv has no use for: said once per name on the
 * console, so code written for transformers.js runs and its author learns
 * what did nothing, instead of the option vanishing silently.
 */
const IGNORED: Record<string, string> = {
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
    const why = IGNORED[key];
    if (why === undefined || (options as Record<string, unknown>)[key] === undefined || warned.has(key)) continue;
    warned.add(key);
    console.warn(`qkv: ${where} ignores the transformers.js option '${key}': ${why}`);
  }
}
