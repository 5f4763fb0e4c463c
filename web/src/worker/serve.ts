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
import { fillMask } from '../fill-mask.js';
import { applyHubSettings } from '../hub/settings.js';
import { loadModel } from '../load-model.js';
import type { Model } from '../model.js';
import { isNode, nextTask } from '../platform.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { Tokenizer } from '../tokenizers/index.js';
import { entitiesOf } from '../token-classification-pipeline.js';
import { text2textRunner } from '../text2text-pipeline.js';
import { translationLanguages } from '../translation-languages.js';
import { endpointOf, type Endpoint, type WorkerLike } from './endpoint.js';
import {
  isRequest, serializeError, type Args, type CallEvent, type CallName, type CallRequest, type Reply, type Result,
} from './protocol.js';

export type { WorkerSettings } from './protocol.js';

interface Answer<N extends CallName> {
  data: Result<N>;
  /** Buffers handed to the page without a copy (results are qkv's own copies, never views of wasm memory). */
  transfer?: Transferable[];
}

/** What a handler gets besides its args. */
interface CallContext<N extends CallName> {
  /** Streams one event of this call to the page. */
  emit(event: CallEvent<N>, transfer?: Transferable[]): void;
  /** Aborted when the page aborts this call. */
  signal: AbortSignal;
  /** The model the call is for; throws once it has been disposed. */
  model(): Model;
  modelId: number | undefined;
}

/** One handler per row of the protocol's table, each typed by its row. */
type Handlers = { [N in CallName]: (args: Args<N>, context: CallContext<N>) => Promise<Answer<N>> };

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
    this.endpoint.listen((data) => void this.receive(data));
  }

  private reply(message: Reply, transfer?: Transferable[]): void {
    this.endpoint.post(message, transfer);
  }

  private async receive(data: unknown): Promise<void> {
    if (!isRequest(data)) {
      // Not from a WorkerEngine of this version: answer it if it can be answered at all.
      if (typeof data === 'object' && data !== null && 'id' in data && typeof data.id === 'number') {
        const type = 'type' in data ? data.type : undefined;
        const error = new InvalidArgumentError(`unknown request type ${JSON.stringify(type)}`);
        this.reply({ id: data.id, kind: 'error', error: serializeError(error) });
      }
      return;
    }
    if (data.type === 'abort') {
      this.running.get(data.target)?.abort();
      return;
    }
    const { id } = data;
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const { data: result, transfer } = await this.run(data, controller.signal);
      this.reply({ id, kind: 'result', data: result }, transfer);
    } catch (e) {
      this.reply({ id, kind: 'error', error: serializeError(e) });
    } finally {
      this.running.delete(id);
    }
  }

  /** Runs one call with the handler of its row: args, events and result all typed by that row. */
  private run<N extends CallName>(request: CallRequest<N>, signal: AbortSignal): Promise<Answer<N>> {
    const handler: Handlers[N] = this.handlers[request.type];
    return handler(request.args, {
      emit: (event, transfer) => this.reply({ id: request.id, kind: 'event', data: event }, transfer),
      signal,
      model: () => this.model(request.modelId),
      modelId: request.modelId,
    });
  }

  private model(modelId: number | undefined): Model {
    const model = this.models.get(modelId ?? -1);
    if (model === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return model;
  }

  private readonly handlers: Handlers = {
    init: async (settings) => {
      if (settings.numThreads !== undefined) env.wasm.numThreads = settings.numThreads;
      if (settings.wasmPaths !== undefined) env.wasm.wasmPaths = settings.wasmPaths;
      if (settings.relaxedSimd !== undefined) env.wasm.relaxedSimd = settings.relaxedSimd;
      if (settings.useBrowserCache !== undefined) env.useBrowserCache = settings.useBrowserCache;
      return { data: null };
    },

    info: async () => ({ data: { ...(await getBackend()).info } }),

    load: async ({ source, options, hub }, { emit, signal }) => {
      applyHubSettings(hub);
      const model = await loadModel(source, { ...options, signal, onProgress: (p) => emit(p) });
      const modelId = this.nextModelId++;
      this.models.set(modelId, model);
      const tokens = model.tokenizer === null ? null
        : { mask_token: model.tokenizer.mask_token, mask_token_id: model.tokenizer.mask_token_id };
      return { data: { modelId, info: model.info, tokens } };
    },

    generate: async ({ prompt, options }, { emit, signal, model }) => {
      let lastTurn = performance.now();
      for await (const token of model().generate(prompt, { ...options, signal })) {
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

    forward: async ({ input, target }, { model }) => {
      const result = await model().forward(input, target);
      return { data: result, transfer: [result.logits.buffer] };
    },

    attention: async ({ input, target }, { model }) => {
      if (target !== undefined) {
        const result = await model().attention(input, target);
        return { data: result, transfer: [...result.encoder, ...result.decoder, ...result.cross].map((layer) => layer.buffer) };
      }
      const result = await model().attention(input);
      return { data: result, transfer: result.layers.map((layer) => layer.buffer) };
    },

    embed: async ({ texts, options }, { model }) => {
      const result = await model().embed(texts, options);
      return { data: result, transfer: [result.data.buffer] };
    },

    classify: async (inputs, { model }) => {
      const result = await model().classify(inputs);
      return { data: result, transfer: [result.logits.buffer] };
    },

    classifyTokens: async (texts, { model }) => {
      const result = await model().classifyTokens(texts);
      return { data: result, transfer: result.map((r) => r.logits.buffer) };
    },

    tokenEntities: async ({ texts, options }, { model }) => ({ data: await entitiesOf(model(), texts, options) }),
    fillMaskLogits: async (texts, { model }) => {
      const result = await model().fillMaskLogits(texts);
      return { data: result, transfer: result.map((r) => r.logits.buffer) };
    },

    fillMask: async ({ texts, options }, { model }) => ({ data: await fillMask(model(), texts, options) }),

    answer: async ({ question, context, options }, { model }) => ({ data: await model().answer(question, context, options) }),

    text2text: async ({ task, text, options }, { emit, model }) =>
      ({ data: await text2textRunner(model(), tokenizerOf(model()), task)(text, options, emit) }),

    translationLanguages: async (_args, { model }) => {
      const languages = translationLanguages(tokenizerOf(model()));
      return { data: languages === null ? null : { family: languages.family, codes: languages.codes } };
    },

    encode: async ({ text, options }, { model }) => ({ data: tokenizerOf(model()).encode(text, options) }),

    encodeWithOffsets: async ({ text, options }, { model }) => ({ data: tokenizerOf(model()).encodeWithOffsets(text, options) }),

    encodePairWithOffsets: async ({ text, textPair }, { model }) =>
      ({ data: tokenizerOf(model()).encodePairWithOffsets(text, textPair) }),

    decode: async ({ ids, options }, { model }) => ({ data: tokenizerOf(model()).decode(ids, options) }),

    chatTemplate: async ({ messages, options }, { model }) =>
      ({ data: tokenizerOf(model()).apply_chat_template(messages, options) }),

    dispose: async (_args, { modelId }) => {
      // Disposing twice is harmless.
      this.models.get(modelId ?? -1)?.dispose();
      this.models.delete(modelId ?? -1);
      return { data: null };
    },
  };
}

/** How often a generation lets the worker's event loop turn (to receive an 'abort'). */
const ABORT_POLL_MS = 5;

/** A worker model's tokenizer, for its tokenizer calls (a NoTokenizerError for a model without one). */
function tokenizerOf(model: Model): Tokenizer {
  return requireTokenizer(model.tokenizer, 'the tokenizer');
}
