/**
 * The worker's side of WorkerEngine: call serveWorker() in a module Web
 * Worker (or a Node.js worker thread) and the page drives qkv through it, so
 * loading and generating never block the page's event loop.
 *
 *   // qkv-worker.js
 *   import { serveWorker } from 'qkv';
 *   serveWorker();
 */
import { getBackend } from '../backend.js';
import { env } from '../env.js';
import { InvalidArgumentError, QkvError } from '../errors.js';
import { loadModel, type LoadModelOptions, type ModelFiles } from '../load-model.js';
import type { EmbedOptions, Model } from '../model.js';
import type { GenerationOptions } from '../generation.js';
import type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions } from '../tokenizers/index.js';
import { endpointOf, type Endpoint, type WorkerLike } from './endpoint.js';
import { serializeError, type Reply, type Request } from './protocol.js';

/** Settings the page applies to the worker's `env` before qkv starts there. */
export interface WorkerSettings {
  numThreads?: number;
  wasmPaths?: string;
  useBrowserCache?: boolean;
}

interface Answer {
  data: unknown;
  /** Buffers handed to the page without a copy (results are qkv's own copies, never views of wasm memory). */
  transfer?: Transferable[];
}

type Emit = (data: unknown, transfer?: Transferable[]) => void;
type Handler = (request: Request, emit: Emit, signal: AbortSignal) => Promise<Answer>;

/**
 * Serves WorkerEngine requests on `port` (default: this dedicated worker's
 * global scope, or Node.js's parentPort in a worker thread). Resolves once
 * it is listening.
 */
export async function serveWorker(port?: WorkerLike): Promise<void> {
  const endpoint = endpointOf(port ?? (await defaultPort()));
  new WorkerServer(endpoint).listen();
}

async function defaultPort(): Promise<WorkerLike> {
  const scope = globalThis as { postMessage?: unknown; addEventListener?: unknown; document?: unknown };
  const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
  if (isNode) {
    const { parentPort } = await import(/* @vite-ignore */ 'node:worker_threads');
    if (parentPort !== null) return parentPort as unknown as WorkerLike;
  } else if (typeof scope.postMessage === 'function' && typeof scope.addEventListener === 'function' && scope.document === undefined) {
    return scope as unknown as WorkerLike;
  }
  throw new InvalidArgumentError('serveWorker() runs inside a Web Worker or a Node.js worker thread (or give it a port)');
}

class WorkerServer {
  private readonly models = new Map<number, Model>();
  private readonly running = new Map<number, AbortController>();
  private nextModelId = 1;

  constructor(private readonly endpoint: Endpoint) {}

  listen(): void {
    this.endpoint.listen((data) => void this.receive(data as Request));
  }

  private async receive(request: Request): Promise<void> {
    const { id, type } = request;
    if (type === 'abort') {
      this.running.get(request.target ?? -1)?.abort();
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    const reply = (message: Reply, transfer?: Transferable[]): void => this.endpoint.post(message, transfer);
    try {
      const handler = this.handlers[type];
      if (handler === undefined) throw new InvalidArgumentError(`unknown request type ${JSON.stringify(type)}`);
      const emit: Emit = (data, transfer) => reply({ id, kind: 'event', data }, transfer);
      const { data, transfer } = await handler(request, emit, controller.signal);
      reply({ id, kind: 'result', data }, transfer);
    } catch (e) {
      reply({ id, kind: 'error', error: serializeError(e) });
    } finally {
      this.running.delete(id);
    }
  }

  private model(request: Request): Model {
    const model = this.models.get(request.modelId ?? -1);
    if (model === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return model;
  }

  private readonly handlers: Partial<Record<Request['type'], Handler>> = {
    init: async ({ args }) => {
      const settings = args as WorkerSettings;
      if (settings.numThreads !== undefined) env.wasm.numThreads = settings.numThreads;
      if (settings.wasmPaths !== undefined) env.wasm.wasmPaths = settings.wasmPaths;
      if (settings.useBrowserCache !== undefined) env.useBrowserCache = settings.useBrowserCache;
      return { data: null };
    },

    info: async () => ({ data: { ...(await getBackend()).info } }),

    load: async ({ args }, emit, signal) => {
      const { source, options } = args as { source: string | ModelFiles; options: Pick<LoadModelOptions, 'dtype'> };
      const model = await loadModel(source, { ...options, signal, onProgress: (p) => emit(p) });
      const modelId = this.nextModelId++;
      this.models.set(modelId, model);
      return { data: { modelId, info: model.info } };
    },

    generate: async (request, emit, signal) => {
      const { prompt, options } = request.args as { prompt: string | number[] | ChatMessage[]; options: GenerationOptions };
      let lastTurn = performance.now();
      for await (const token of this.model(request).generate(prompt, { ...options, signal })) {
        emit(token);
        // Generation runs in microtasks; a macrotask turn lets an 'abort' message in. One every
        // few milliseconds bounds the abort latency without a turn per token on fast models.
        if (performance.now() - lastTurn >= ABORT_POLL_MS) {
          await nextTask();
          lastTurn = performance.now();
        }
      }
      return { data: null };
    },

    forward: async (request) => {
      const result = await this.model(request).forward(request.args as string | number[]);
      return { data: result, transfer: [result.logits.buffer] };
    },

    attention: async (request) => {
      const result = await this.model(request).attention(request.args as string | number[]);
      return { data: result, transfer: result.layers.map((layer) => layer.buffer) };
    },

    embed: async (request) => {
      const { texts, options } = request.args as { texts: string | string[]; options: EmbedOptions };
      const result = await this.model(request).embed(texts, options);
      return { data: result, transfer: [result.data.buffer] };
    },

    encode: async (request) => {
      const { text, options } = request.args as { text: string; options?: EncodeOptions };
      return { data: this.model(request).tokenizer.encode(text, options) };
    },

    decode: async (request) => {
      const { ids, options } = request.args as { ids: number[]; options?: DecodeOptions };
      return { data: this.model(request).tokenizer.decode(ids, options) };
    },

    chatTemplate: async (request) => {
      const { messages, options } = request.args as { messages: ChatMessage[]; options?: ChatTemplateOptions };
      return { data: this.model(request).tokenizer.apply_chat_template(messages, options) };
    },

    dispose: async (request) => {
      this.models.get(request.modelId ?? -1)?.dispose();
      this.models.delete(request.modelId ?? -1);
      return { data: null };
    },
  };
}

/** How often a generation lets the worker's event loop turn (to receive an 'abort'). */
const ABORT_POLL_MS = 5;

/** Resolves after one turn of the event loop (setImmediate, or a MessageChannel: setTimeout clamps to 4 ms). */
function nextTask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
