/**
 * Loads the wasm runtime once per JS realm and picks its flavour: the
 * `-threads` build when more than one thread is wanted and the platform
 * allows SharedArrayBuffer (Node.js, or a cross-origin isolated page/worker),
 * the one-thread build otherwise, with a one-time warning when threads were
 * wanted; and `qkv-relaxed*` where the engine runs relaxed SIMD correctly
 * (see relaxed-simd.ts) unless env.wasm.relaxedSimd is false, `qkv-simd*`
 * (SIMD128) otherwise.
 */
import { env, onNumThreadsChange } from './env.js';
import { InternalError, throwStatus, QkvError, UnsupportedError } from './errors.js';
import { isNode, locationHref } from './platform.js';
import { relaxedSimdUnsupportedReason } from './relaxed-simd.js';
import type { QkvModuleFactory, QkvModuleOptions, QkvWasmModule } from './wasm-module.js';

export type Flavour = 'qkv-simd' | 'qkv-simd-threads' | 'qkv-relaxed' | 'qkv-relaxed-threads';

export interface BackendInfo {
  /** The wasm build in use. */
  flavour: Flavour;
  /** Whether that build is a relaxed-SIMD one (`qkv-relaxed*`). */
  relaxedSimd: boolean;
  /** Why the SIMD128 build runs instead of the relaxed-SIMD one, if it does. */
  relaxedSimdReason?: string;
  /** Threads kernels use now (the caller's thread included). */
  numThreads: number;
  /** Threads started at initialization: the most numThreads can be raised to. */
  maxThreads: number;
  /** SIMD instruction set of the kernels, e.g. `'WASM'` (SIMD128). */
  simd: string;
  /** Why threads were wanted but not used, if so. */
  fallbackReason?: string;
}

/** The most kernel threads qkv starts (the documented maximum). */
const MAX_THREADS = 8;

/** Cores available to this realm. */
async function coreCount(): Promise<number> {
  if (typeof navigator === 'object' && navigator.hardwareConcurrency > 0) return navigator.hardwareConcurrency;
  if (isNode) {
    const os = await import(/* @vite-ignore */ 'node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

/** Why SharedArrayBuffer-based threads cannot run here, or undefined if they can. */
function threadsUnavailableReason(): string | undefined {
  // Browsers hide SharedArrayBuffer when not isolated, so say the cause first.
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp")';
  }
  if (typeof SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is not available';
  }
  return undefined;
}

// A minimal module using one SIMD128 instruction (i8x16.splat of i32.const 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Where one flavour's runtime files are: in the bundle, or in dist/ unbundled. */
interface RuntimeUrls {
  glue: URL;
  /** The files the glue asks locateFile() for, by name. */
  files: Record<string, URL>;
}

/**
 * One static URL expression with a string literal per file: bundlers (Vite,
 * webpack, Parcel) recognise exactly this form, emit the file and rewrite the
 * URL to the emitted copy. A template like `./wasm/${name}` would only emit the
 * glue .mjs, whose own URLs for its .wasm and worker then point next to its
 * hashed copy, where nothing is; so the factory is told every file's URL.
 *
 * `?no-inline` on the worker: Vite turns assets under build.assetsInlineLimit
 * (4 KB) into data: URLs, and the worker script is ~3 KB. A data: worker has an
 * opaque origin, so it cannot import the glue under COEP. Vite honours
 * `?no-inline` here and drops it from the emitted URL; unbundled, the query
 * just reaches the static server, which ignores it.
 */
function runtimeUrls(flavour: Flavour): RuntimeUrls {
  switch (flavour) {
    case 'qkv-relaxed-threads':
      return {
        glue: new URL('./wasm/qkv-relaxed-threads.mjs', import.meta.url),
        files: {
          'qkv-relaxed-threads.wasm': new URL('./wasm/qkv-relaxed-threads.wasm', import.meta.url),
          'qkv-relaxed-threads.worker.js': new URL('./wasm/qkv-relaxed-threads.worker.js?no-inline', import.meta.url),
        },
      };
    case 'qkv-relaxed':
      return {
        glue: new URL('./wasm/qkv-relaxed.mjs', import.meta.url),
        files: { 'qkv-relaxed.wasm': new URL('./wasm/qkv-relaxed.wasm', import.meta.url) },
      };
    case 'qkv-simd-threads':
      return {
        glue: new URL('./wasm/qkv-simd-threads.mjs', import.meta.url),
        files: {
          'qkv-simd-threads.wasm': new URL('./wasm/qkv-simd-threads.wasm', import.meta.url),
          'qkv-simd-threads.worker.js': new URL('./wasm/qkv-simd-threads.worker.js?no-inline', import.meta.url),
        },
      };
    case 'qkv-simd':
      return {
        glue: new URL('./wasm/qkv-simd.mjs', import.meta.url),
        files: { 'qkv-simd.wasm': new URL('./wasm/qkv-simd.wasm', import.meta.url) },
      };
  }
}

/**
 * Whether to run a relaxed-SIMD build, by env.wasm.relaxedSimd and the
 * engine: `reason` says why not when it is not used.
 */
function chooseRelaxedSimd(): { relaxed: boolean; reason?: string } {
  const setting = env.wasm.relaxedSimd;
  if (setting === false) return { relaxed: false, reason: 'env.wasm.relaxedSimd is false' };
  const unsupported = relaxedSimdUnsupportedReason();
  if (unsupported === undefined) return { relaxed: true };
  if (setting === true) {
    throw new UnsupportedError(`env.wasm.relaxedSimd is true, but ${unsupported}; set it to 'auto' to fall back to SIMD128`);
  }
  return { relaxed: false, reason: unsupported };
}

/** Whether any runtime file is not where the glue looks for it: next to itself, under its own name. */
function filesMoved(urls: RuntimeUrls): boolean {
  return Object.entries(urls.files).some(([name, url]) => new URL(name, urls.glue).href !== url.href.replace(/[?#].*/, ''));
}

/** The flavour's factory, plus the options that tell it where its files are. */
async function importFactory(
  flavour: Flavour,
): Promise<{ factory: QkvModuleFactory; locate: Partial<QkvModuleOptions> }> {
  const file = `${flavour}.mjs`;
  const base = env.wasm.wasmPaths;
  let url: string;
  let locate: Partial<QkvModuleOptions> = {};
  if (base === undefined) {
    const urls = runtimeUrls(flavour);
    url = urls.glue.href;
    // Only redirect the glue when a bundler moved its files: unbundled dist/
    // and Vite's dev server keep them where the glue looks (next to itself,
    // names unchanged), and there the glue's own URLs are the ones that work
    // (Vite dev rewrites its worker URL into a classic-worker request). Node's
    // glue reads files by path, so it cannot take URLs anyway.
    if (!isNode && filesMoved(urls)) {
      locate = {
        locateFile: (path) => (urls.files[path] ?? new URL(path, urls.glue)).href,
        // Pool workers import the glue from here, not from next to the worker.
        mainScriptUrlOrBlob: url,
      };
    }
  } else if (isNode && !/^[a-z][a-z0-9+.-]*:/i.test(base)) {
    const { pathToFileURL } = await import(/* @vite-ignore */ 'node:url');
    const { resolve } = await import(/* @vite-ignore */ 'node:path');
    url = pathToFileURL(resolve(base, file)).href;
  } else {
    url = new URL(file, new URL(base, locationHref() ?? import.meta.url)).href;
  }
  const mod = (await import(/* @vite-ignore */ url)) as { default: QkvModuleFactory };
  return { factory: mod.default, locate };
}

export class Backend {
  readonly info: BackendInfo;
  private readonly module: QkvWasmModule;

  private constructor(module: QkvWasmModule, info: BackendInfo) {
    this.module = module;
    this.info = info;
  }

  static async create(): Promise<Backend> {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
      throw new UnsupportedError(
        'qkv needs WebAssembly SIMD (tested in Node.js 20 and Chromium), which this runtime lacks',
      );
    }
    const simd = chooseRelaxedSimd();
    const cores = await coreCount();
    const cap = Math.min(cores, MAX_THREADS);
    let requested = env.wasm.numThreads === 0 ? cap : env.wasm.numThreads;
    if (requested > cap) {
      // More threads than cores only adds contention; past 8 the kernels stop gaining.
      const why = cores < MAX_THREADS ? `this machine has ${cores} core(s)` : `qkv uses at most ${MAX_THREADS}`;
      console.warn(`qkv: ${requested} threads asked for but ${why}; using ${cap}.`);
      requested = cap;
    }
    let fallbackReason: string | undefined;
    let threads = requested;
    if (requested > 1) {
      fallbackReason = threadsUnavailableReason();
      if (fallbackReason !== undefined) {
        threads = 1;
        console.warn(`qkv: running on one thread: ${fallbackReason}.`);
      }
    }
    const flavour: Flavour = `qkv-${simd.relaxed ? 'relaxed' : 'simd'}${threads > 1 ? '-threads' : ''}`;
    const { factory, locate } = await importFactory(flavour);
    const module = await factory({
      ...locate,
      qkvWorkers: threads - 1,
      qkvThrowError: throwStatus,
      printErr: (text: string) => console.warn(`qkv: ${text}`),
    });
    module.initThreads(threads);
    if (threads > 1) await waitForWorkers(module);
    if (isNode) module.qkvUnrefWorkers();
    const started = module.threadInfo();
    const info: BackendInfo = {
      flavour,
      relaxedSimd: simd.relaxed,
      numThreads: started.threadLimit,
      maxThreads: started.workersCreated + 1,
      simd: module.simdTarget(),
    };
    if (simd.reason !== undefined) info.relaxedSimdReason = simd.reason;
    if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
    const backend = new Backend(module, info);
    onNumThreadsChange((n) => backend.applyNumThreads(n));
    return backend;
  }

  /** Applies a later change of env.wasm.numThreads, warning where it cannot. */
  private applyNumThreads(requested: number): void {
    const wanted = requested === 0 ? this.info.maxThreads : requested;
    if (wanted > this.info.maxThreads) {
      console.warn(
        `qkv: env.wasm.numThreads=${requested} but only ${this.info.maxThreads} thread(s) were started ` +
          `(${this.info.fallbackReason ?? 'the thread count is fixed when qkv initializes'}); using ${this.info.maxThreads}.`,
      );
    }
    const limit = Math.min(wanted, this.info.maxThreads);
    this.call(() => this.module.setThreadLimit(limit));
    this.info.numThreads = this.module.threadInfo().threadLimit;
  }

  /**
   * Runs a call into wasm. Errors raised by qkv arrive as QkvError already;
   * anything else (a trap) is wrapped so callers always get a named Error.
   */
  call<T>(fn: (module: QkvWasmModule) => T): T {
    try {
      return fn(this.module);
    } catch (e) {
      if (e instanceof QkvError) throw e;
      throw new InternalError(`wasm runtime failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

/**
 * Pool workers load asynchronously and only start once the event loop turns;
 * kernels never wait for them (see src/core/thread_pool.h), but the first
 * calls are faster if they have joined. Give them a bounded moment.
 */
async function waitForWorkers(module: QkvWasmModule): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { workersCreated, workersStarted } = module.threadInfo();
    if (workersStarted >= workersCreated || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

let backendPromise: Promise<Backend> | undefined;

/** The realm's runtime, created on first use. A failed start is retried next time. */
export function getBackend(): Promise<Backend> {
  if (backendPromise === undefined) {
    backendPromise = Backend.create();
    backendPromise.catch(() => {
      backendPromise = undefined;
    });
  }
  return backendPromise;
}
