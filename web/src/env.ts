import { InvalidArgumentError } from './errors.js';
import { isNode } from './platform.js';

/** Settings shared by every model, in the style of ONNX Runtime Web's `env`. */
export interface WasmEnv {
  /**
   * Threads for kernels: 0 (default) picks one per core (at most 8), 1 forces
   * the single-threaded build; more than the cores (or 8) warns once and is
   * capped when qkv initializes. More than one needs `SharedArrayBuffer`, i.e. a
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
  /**
   * Which wasm build to run, by WebAssembly relaxed SIMD (the int8 dot
   * product and fused multiply-add instructions). `'auto'` (default): the
   * qkv-relaxed builds where the engine runs relaxed SIMD correctly (Chrome
   * and Edge 114+, Node.js 22+), the qkv-simd (SIMD128) builds elsewhere
   * (Firefox, Safari, Node.js 20). `false`: always the SIMD128 builds. `true`:
   * the relaxed builds or, where the engine lacks them, an UnsupportedError
   * when qkv initializes (as ONNX Runtime Web's `env.wasm.simd = 'relaxed'`
   * fails there). Read once, when the runtime is first initialized.
   */
  relaxedSimd: RelaxedSimdSetting;
}

/** The values of `env.wasm.relaxedSimd`. */
export type RelaxedSimdSetting = boolean | 'auto';

export interface Env {
  readonly wasm: WasmEnv;
  /**
   * Keep model files fetched by URL in the browser's Cache API (default true,
   * as transformers.js), so a page downloads a model once. No effect in
   * Node.js or where the Cache API is missing (insecure origins).
   */
  useBrowserCache: boolean;
  /**
   * Let a Hub id ('org/name') be fetched from `remoteHost` (default true;
   * false in Node.js when HF_HUB_OFFLINE=1). When false, ids load from the
   * caches only: the Node.js cache (`cacheDir`) or the browser cache.
   */
  allowRemoteModels: boolean;
  /**
   * Try `localModelPath` + id as a folder (Node.js) or base URL (page)
   * before the Hub, as transformers.js does (default true in Node.js, false
   * in a page).
   */
  allowLocalModels: boolean;
  /** Where local models by id are looked for (default '' = the working directory in Node.js, '/models/' in a page). */
  localModelPath: string;
  /** The Hub's origin (default https://huggingface.co; HF_ENDPOINT in Node.js). */
  remoteHost: string;
  /** A model file's path under `remoteHost` (default '{model}/resolve/{revision}/'), as transformers.js names it. */
  remotePathTemplate: string;
  /**
   * The Node.js cache, in huggingface_hub's layout and shared with Python
   * (default $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
   * ~/.cache/huggingface/hub, as huggingface_hub resolves it).
   */
  cacheDir: string | undefined;
  /**
   * The Hub access token for gated and private models (default HF_TOKEN in
   * Node.js). Sent only to `remoteHost`'s origin, never to where a download
   * is redirected.
   */
  accessToken: string | undefined;
}

type Listener = (numThreads: number) => void;
let numThreadsListener: Listener | undefined;

/** Lets the backend apply a change of `numThreads` made after it started. */
export function onNumThreadsChange(listener: Listener | undefined): void {
  numThreadsListener = listener;
}

let numThreads = 0;
let relaxedSimd: RelaxedSimdSetting = 'auto';

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
  get relaxedSimd(): RelaxedSimdSetting {
    return relaxedSimd;
  },
  set relaxedSimd(value: RelaxedSimdSetting) {
    if (typeof value !== 'boolean' && value !== 'auto') {
      throw new InvalidArgumentError(`env.wasm.relaxedSimd must be 'auto', true or false, got ${JSON.stringify(value) ?? String(value)}`);
    }
    relaxedSimd = value;
  },
};

let useBrowserCache = true;

/** Node.js environment variables (huggingface_hub's names), or none in a page. */
function environment(name: string): string | undefined {
  if (!isNode) return undefined;
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

const TRUE_VALUES = ['1', 'ON', 'YES', 'TRUE'];

/** Hub settings set on `env`; unset ones come from the environment each time they are read. */
const hub: {
  allowRemoteModels?: boolean; allowLocalModels?: boolean; localModelPath?: string; remoteHost?: string;
  remotePathTemplate?: string; cacheDir?: string | undefined; accessToken?: string | undefined;
} = {};

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`env.${name} must be true or false, got ${String(value)}`);
  return value;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`env.${name} must be a string, got ${String(value)}`);
  return value;
}

function checkOptionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : checkString(name, value);
}

function checkRemoteHost(value: unknown): string {
  const text = checkString('remoteHost', value);
  if (!/^https?:\/\/[^/]+\/?$/i.test(text)) {
    throw new InvalidArgumentError(`env.remoteHost must be an origin such as 'https://huggingface.co', got ${JSON.stringify(text)}`);
  }
  return text.replace(/\/$/, '');
}

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
  get allowRemoteModels(): boolean {
    return hub.allowRemoteModels ?? !TRUE_VALUES.includes((environment('HF_HUB_OFFLINE') ?? '').toUpperCase());
  },
  set allowRemoteModels(value: boolean) {
    hub.allowRemoteModels = checkBoolean('allowRemoteModels', value);
  },
  get allowLocalModels(): boolean {
    return hub.allowLocalModels ?? isNode;
  },
  set allowLocalModels(value: boolean) {
    hub.allowLocalModels = checkBoolean('allowLocalModels', value);
  },
  get localModelPath(): string {
    return hub.localModelPath ?? (isNode ? '' : '/models/');
  },
  set localModelPath(value: string) {
    hub.localModelPath = checkString('localModelPath', value);
  },
  get remoteHost(): string {
    return hub.remoteHost ?? checkRemoteHost(environment('HF_ENDPOINT') ?? 'https://huggingface.co');
  },
  set remoteHost(value: string) {
    hub.remoteHost = checkRemoteHost(value);
  },
  get remotePathTemplate(): string {
    return hub.remotePathTemplate ?? '{model}/resolve/{revision}/';
  },
  set remotePathTemplate(value: string) {
    const text = checkString('remotePathTemplate', value);
    if (!text.includes('{model}')) {
      throw new InvalidArgumentError(`env.remotePathTemplate must contain {model}, got ${JSON.stringify(text)}`);
    }
    hub.remotePathTemplate = text;
  },
  get cacheDir(): string | undefined {
    if ('cacheDir' in hub) return hub.cacheDir;
    const hubCache = environment('HF_HUB_CACHE');
    if (hubCache !== undefined) return hubCache;
    const home = environment('HF_HOME');
    if (home !== undefined) return `${home}/hub`;
    const xdg = environment('XDG_CACHE_HOME');
    if (xdg !== undefined) return `${xdg}/huggingface/hub`;
    const user = environment('HOME') ?? environment('USERPROFILE');
    return user === undefined ? undefined : `${user}/.cache/huggingface/hub`;
  },
  set cacheDir(value: string | undefined) {
    hub.cacheDir = checkOptionalString('cacheDir', value);
  },
  get accessToken(): string | undefined {
    return 'accessToken' in hub ? hub.accessToken : environment('HF_TOKEN') ?? environment('HUGGING_FACE_HUB_TOKEN');
  },
  set accessToken(value: string | undefined) {
    hub.accessToken = checkOptionalString('accessToken', value);
  },
});
