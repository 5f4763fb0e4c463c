// Wires the demo page together: qkv in a worker (WorkerEngine), the three
// ways to pick a model, generation with its numbers and Stop, chat mode for
// models with a chat template, and the attention viewer.
import { env, formatGgufSummary, inspectGguf, pickGgufFiles, WorkerEngine } from '../../dist/index.js';
import { AttentionView } from './attention-view.js';
import { ChatView } from './chat-view.js';
import { GenerationStats } from './generation-stats.js';
import { LoadProgress } from './load-progress.js';
import { entriesFromDrop, entriesFromInput, pickModelFiles } from './model-source.js';
import { MODELS, modelFiles } from './models.js';
import { OutputView } from './output-view.js';
import { bindSamplingForm, readSampling } from './sampling.js';
import { SimilarityView } from './similarity-view.js';
import { TaskPanel } from './task-panel.js';
import { classifyTask } from './tasks/classify.js';
import { fillMaskTask } from './tasks/fill-mask.js';
import { nerTask } from './tasks/ner.js';
import { questionAnsweringTask } from './tasks/question-answering.js';
import { rerankTask } from './tasks/rerank.js';
import { text2textTask } from './tasks/text2text.js';
import { zeroShotTask } from './tasks/zero-shot.js';

// Heatmaps of longer prompts would have cells too small to point at.
const ATTENTION_MAX_TOKENS = 128;

const $ = (id) => document.getElementById(id);
// qkv runs in its own module worker, so loading and generating never block the page.
// ?relaxedSimd=false runs the SIMD128 build where the relaxed-SIMD one would run (to compare them).
const relaxedSimd = new URLSearchParams(location.search).get('relaxedSimd') === 'false' ? false : 'auto';
const engine = await WorkerEngine.create({ numThreads: 0, relaxedSimd });
const progress = new LoadProgress($('load-progress'), $('load-status'));
const output = new OutputView({ output: $('output'), ttft: $('ttft'), speed: $('speed'), count: $('count'), note: $('generate-status') });
const attention = new AttentionView({
  canvas: $('heatmap'), layerSelect: $('layer'), headSelect: $('head'),
  readout: $('attention-readout'), caption: $('attention-caption'),
});
const similarity = new SimilarityView({ input: $('sentences'), table: $('similarity'), status: $('similarity-status') });
const sampling = $('sampling');
const tasks = new TaskPanel({
  select: $('task'), fields: $('task-fields'), run: $('run-task'), output: $('task-output'), status: $('task-status'), hint: $('task-hint'),
}, [classifyTask, zeroShotTask, nerTask, fillMaskTask, questionAnsweringTask, rerankTask, text2textTask]);
const chatView = new ChatView({ transcript: $('transcript'), status: $('chat-status'), error: $('chat-error') });
let model; // the loaded WorkerModel
let loadedModel; // its ModelInfo
let lastLoad; // the arguments of the load that gave `model`: a change of dtype loads it again with them
let running; // AbortController of the load or generation in progress: Stop aborts it
let canChat = false; // the loaded model has a chat template
let canThink = false; // its template has Qwen3's enable_thinking switch
let chat; // the conversation of chat mode (a Chat over `model`), made at its first message

/** 'starting' | 'idle' | 'loading' | 'ready' | 'generating' | 'attention' | 'embedding' | 'task': enables what makes sense. */
function setState(state) {
  document.body.dataset.state = state;
  const busy = ['starting', 'loading', 'generating', 'attention', 'embedding', 'task'].includes(state);
  $('run-task').disabled = busy || !tasks.canRun();
  $('task').disabled = busy;
  $('compare').disabled = busy || !(loadedModel?.capabilities.includes('encode') ?? false);
  $('embed-prompt').disabled = $('compare').disabled || Object.keys(loadedModel?.embedding?.prompts ?? {}).length === 0;
  const canRun = loadedModel !== undefined && loadedModel.capabilities.includes('generate') && !busy;
  $('load-bundled').disabled = busy;
  $('load-url').disabled = busy || $('model-url').value.trim() === '';
  $('load-id').disabled = busy || $('model-id').value.trim() === '';
  $('folder-input').disabled = busy;
  $('gguf-input').disabled = busy;
  // Changed while busy they could not take effect (a load reads them once; a generation uses the loaded model).
  $('dtype').disabled = busy;
  $('kv-dtype').disabled = busy;
  $('generate').disabled = !canRun;
  $('send').disabled = !canRun || !canChat;
  $('new-chat').disabled = busy || !canChat;
  $('chat-stop').disabled = state !== 'generating';
  for (const id of ['mode-chat', 'mode-generate']) $(id).disabled = busy;
  // The system message is the conversation's first: fixed once it has turns, until New chat.
  $('system').readOnly = hasTurns(chat) || state === 'generating';
  // An encoder-decoder's attention needs a target: its cross-attention is drawn by the translate task (5. Tasks).
  $('show-attention').disabled = loadedModel === undefined || busy || loadedModel.capabilities.includes('text2text');
  $('stop').disabled = state !== 'generating' && state !== 'loading';
  $('copy-output').disabled = $('output').textContent === '';
}

function showBackend(info) {
  const threads = `${info.numThreads} thread${info.numThreads === 1 ? '' : 's'}`;
  const simd = info.relaxedSimd ? 'relaxed SIMD' : `SIMD128 (no relaxed SIMD: ${info.relaxedSimdReason})`;
  $('backend').textContent = `Engine: ${info.flavour} build, ${threads}, ${simd}, SIMD ${info.simd}; ` +
    `page ${self.crossOriginIsolated ? 'is' : 'is not'} cross-origin isolated.`;
  if (info.fallbackReason !== undefined) {
    $('backend-warning').hidden = false;
    $('backend-warning').textContent = `qkv: running on one thread: ${info.fallbackReason}.`;
  }
}

// --- model ---------------------------------------------------------------

for (const entry of MODELS) $('bundled-model').append(new Option(entry.label, entry.id));
const wanted = new URLSearchParams(location.search).get('model');
if (MODELS.some((m) => m.id === wanted)) $('bundled-model').value = wanted;

/**
 * The one place a load error shows: right after the control (its row) that started the load, styled as an
 * error and announced. Cleared when the next load starts.
 */
function showLoadError(anchor, text) {
  const box = $('load-error');
  anchor.after(box);
  box.textContent = text;
  box.hidden = false;
}

function clearLoadError() {
  $('load-error').hidden = true;
  $('load-error').textContent = '';
}

/** The line that always names the loaded model and how it sits in memory (or that there is none). */
function showCurrentModel() {
  $('current-model').textContent = loadedModel === undefined
    ? 'No model loaded.'
    : `Loaded: ${lastLoad.what} (${loadedModel.dtype} weights` +
      `${loadedModel.capabilities.includes('generate') ? `, ${loadedModel.kvDtype} KV cache` : ''}).`;
}

/** Lets go of the loaded model and everything shown about it (its attention, its "does not generate" note). */
function unload() {
  model?.dispose();
  model = undefined;
  loadedModel = undefined;
  // Another model (or the same one again) starts a new conversation; chat mode waits for its template.
  chat = undefined;
  canChat = false;
  chatView.clear();
  setMode('generate');
  showCurrentModel();
  attention.clear();
  similarity.clear();
  tasks.setModel(undefined);
  showPrompts({});
  output.clearNote();
}

/** The embedding prompts of the loaded model (config_sentence_transformers.json) as the prompt list's options. */
function showPrompts(prompts) {
  const none = document.createElement('option');
  none.value = '';
  none.textContent = 'none';
  $('embed-prompt').replaceChildren(none, ...Object.entries(prompts).map(([name, text]) => {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = `${name}: ${JSON.stringify(text)}`;
    return option;
  }));
}

/**
 * A failed load of any kind, before or after the engine was asked (a folder lacking a file, a bad URL, an
 * unknown Hub id): the old model is gone either way (a load frees it first, so two models never share the
 * memory), and the page says so beside the control that was used.
 */
function loadFailed(anchor, text) {
  unload();
  progress.fail('No model loaded.');
  showLoadError(anchor, `${text}${/[.!?]$/.test(text) ? '' : '.'} No model is loaded.`);
  setState('idle');
}

async function load(request) {
  const { what, source, expectedFiles = 0, prompt, extraOptions = {}, anchor } = request;
  setState('loading');
  clearLoadError();
  unload();
  progress.start(what, expectedFiles);
  const controller = new AbortController();
  running = controller;
  const started = performance.now();
  try {
    // "auto" (the empty value) passes no dtype: the library's default, which follows the checkpoint.
    const dtype = $('dtype').value === '' ? {} : { dtype: $('dtype').value };
    model = await engine.loadModel(source, {
      ...extraOptions, ...dtype, kvDtype: $('kv-dtype').value, signal: controller.signal, onProgress: (p) => progress.update(p),
    });
    const { info } = model;
    const ms = performance.now() - started;
    loadedModel = info;
    lastLoad = request;
    showPrompts(info.embedding?.prompts ?? {});
    tasks.setModel(model);
    showCurrentModel();
    progress.finish(`${what}: ${info.architecture}, ${info.nLayer} layers × ${info.nHead} heads, ` +
      `${info.nEmbd} wide, ${info.dtype}, ${(info.weightBytes / 1048576).toFixed(1)} MB of weights, ` +
      `${info.capabilities.includes('generate') ? `${info.nCtx} positions of ${info.kvDtype} KV cache, ` : ''}loaded in ${(ms / 1000).toFixed(2)} s.`);
    if (prompt !== undefined && $('prompt').dataset.edited !== 'yes') $('prompt').value = prompt;
    if (info.capabilities.includes('text2text')) {
      output.showNote(`${info.architecture} is an encoder-decoder: translate or summarize in 5. Tasks, with its cross-attention.`);
    } else if (!info.capabilities.includes('generate')) {
      output.showNote(`${info.architecture} does not generate (it can: ${info.capabilities.join(', ')}); its attention can still be shown.`);
    } else {
      canChat = await hasChatTemplate(model);
      canThink = canChat && await hasThinkingSwitch(model);
      $('thinking-row').hidden = !canThink;
      setMode(canChat ? 'chat' : 'generate');
    }
  } catch (e) {
    if (e.name === 'AbortError') {
      unload();
      progress.fail('Loading stopped. No model loaded.');
      setState('idle');
    } else {
      loadFailed(anchor, `Could not load ${what}: ${e.message}`);
    }
    return;
  } finally {
    running = undefined;
  }
  setState('ready');
}

// The weights' and KV cache's types are fixed when a model loads: changing either loads the loaded model again.
for (const id of ['dtype', 'kv-dtype']) {
  $(id).addEventListener('change', () => {
    if (loadedModel !== undefined && document.body.dataset.state === 'ready') load({ ...lastLoad, prompt: undefined });
  });
}

$('load-bundled').addEventListener('click', () => {
  const entry = MODELS.find((m) => m.id === $('bundled-model').value);
  load({ what: entry.id, source: modelFiles(entry), expectedFiles: entry.weights.length, prompt: entry.prompt, anchor: $('load-bundled').closest('.row') });
});

$('folder-input').addEventListener('change', (e) => loadLocal(entriesFromInput(e.target.files), $('folder-input').closest('.row')));

const drop = $('drop-zone');
// Clicking the zone (or Enter on it) opens the folder picker too.
drop.addEventListener('click', () => $('folder-input').click());
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    $('folder-input').click();
  }
});
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (document.body.dataset.state === 'loading' || document.body.dataset.state === 'generating') return;
  entriesFromDrop(e.dataTransfer).then((entries) => loadLocal(entries, drop), (err) => loadFailed(drop, `Could not read the dropped files: ${err.message}.`));
});

/** anchor: where an error shows (the folder input's row, or the drop zone). */
function loadLocal(entries, anchor) {
  if (isGgufSelection(entries)) {
    showGguf(entries.map((e) => e.file), anchor);
    return;
  }
  let files;
  try {
    files = pickModelFiles(entries);
  } catch (e) {
    loadFailed(anchor, `Could not load the local model: ${e.message}.`);
    return;
  }
  const folder = entries[0]?.path.includes('/') ? entries[0].path.split('/')[0] : 'local files';
  load({ what: folder, source: files, expectedFiles: files.weights.length, anchor });
}

$('gguf-input').addEventListener('change', (e) => showGguf([...e.target.files], $('gguf-input').closest('.row')));

/** GGUF files and no Hub-layout model (no config.json) among the picked files. */
function isGgufSelection(entries) {
  return entries.some((e) => e.file.name.toLowerCase().endsWith('.gguf')) && !entries.some((e) => e.file.name === 'config.json');
}

/**
 * A picked or dropped GGUF model: what its headers say (architecture, hyper-parameters, tokenizer, chat
 * template, metadata, tensors), read in this page without reading the weights, then the model loaded from
 * the same files in the worker. The files are put in order first (a split model's parts, dropped together).
 */
async function showGguf(files, anchor) {
  clearLoadError();
  const box = $('gguf-summary');
  box.hidden = true;
  box.textContent = '';
  let ordered;
  try {
    const byName = new Map(files.map((f) => [f.name, f]));
    ordered = pickGgufFiles([...byName.keys()], {}, 'the picked files').map((name) => byName.get(name));
    const summary = await inspectGguf(ordered);
    box.textContent = formatGgufSummary(summary);
    box.hidden = false;
    box.dataset.architecture = summary.architecture ?? '';
  } catch (e) {
    showLoadError(anchor, `Could not read the GGUF file: ${e.message}`);
    return;
  }
  if (document.body.dataset.state === 'loading' || document.body.dataset.state === 'generating') return;
  // The summary stays shown whether or not the file loads as a model.
  load({ what: ordered[0].name, source: ordered, expectedFiles: ordered.length, anchor });
}

$('model-url').addEventListener('input', () => setState(document.body.dataset.state));
$('load-url').addEventListener('click', () => {
  const url = new URL($('model-url').value.trim(), location.href).href;
  load({ what: url, source: url, anchor: $('load-url').closest('.row') });
});

// A Hub id: the page's env (sent to the worker with the load) says which Hub, token and whether offline.
// ?hub=<origin> presets the Hub (a mirror, or a local one), ?id=<org/name> the id.
const params = new URLSearchParams(location.search);
if (params.has('hub')) $('hub-host').value = params.get('hub');
if (params.has('id')) $('model-id').value = params.get('id');
$('model-id').addEventListener('input', () => setState(document.body.dataset.state));
$('model-id').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !$('load-id').disabled) $('load-id').click();
});
$('load-id').addEventListener('click', () => {
  const id = $('model-id').value.trim();
  const revision = $('model-revision').value.trim();
  try {
    env.remoteHost = $('hub-host').value.trim() || 'https://huggingface.co';
    env.accessToken = $('hub-token').value.trim() || undefined;
    env.allowRemoteModels = !$('hub-offline').checked;
  } catch (e) {
    loadFailed($('load-id').closest('.row'), `Could not load ${id}: ${e.message}`);
    return;
  }
  load({ what: revision === '' ? id : `${id}@${revision}`, source: id, extraOptions: revision === '' ? {} : { revision }, anchor: $('load-id').closest('.row') });
});

// --- generation ----------------------------------------------------------

bindSamplingForm(sampling);
sampling.addEventListener('submit', (e) => e.preventDefault());
$('prompt').addEventListener('input', () => { $('prompt').dataset.edited = 'yes'; });

$('generate').addEventListener('click', async () => {
  const prompt = $('prompt').value;
  setState('generating');
  output.start(prompt);
  const options = readSampling(sampling);
  const stats = new GenerationStats(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const controller = new AbortController();
  running = controller;
  try {
    // on_abort 'finish': Stop ends the stream like any other end, its last item saying 'abort'.
    const generation = { ...options, seed: stats.seed, signal: controller.signal, on_abort: 'finish' };
    for await (const { token, text, finishReason } of model.generate(prompt, generation)) {
      stats.add(token);
      output.append(text, stats);
      if (finishReason !== undefined) stats.finish(finishReason, loadedModel.nCtx);
    }
    output.finish(stats);
  } catch (e) {
    if (e.name === 'AbortError') {
      stats.finish('abort');
      output.finish(stats);
    } else {
      output.fail(e.message);
    }
  } finally {
    running = undefined;
  }
  await showAttention(prompt);
});

$('stop').addEventListener('click', () => running?.abort());

// Ctrl+Enter (⌘+Enter on a Mac) in the prompt generates, as in most chat boxes.
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    if (!$('generate').disabled) $('generate').click();
  }
});

$('copy-output').addEventListener('click', async () => {
  const button = $('copy-output');
  try {
    await navigator.clipboard.writeText(output.text());
    button.textContent = 'Copied';
  } catch (e) {
    button.textContent = 'Copy failed';
    button.title = e.message;
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
});

// --- chat ------------------------------------------------------------------

/** Whether the model's tokenizer renders a conversation (it has a chat template that works). */
async function hasChatTemplate(m) {
  try {
    await m.tokenizer.apply_chat_template([{ role: 'user', content: 'Hi' }], { add_generation_prompt: true, tokenize: false });
    return true;
  } catch {
    return false;
  }
}

/** Whether the template renders differently with enable_thinking false (Qwen3's switch). */
async function hasThinkingSwitch(m) {
  const render = (kwargs) => m.tokenizer.apply_chat_template([{ role: 'user', content: 'Hi' }],
    { add_generation_prompt: true, tokenize: false, ...kwargs });
  return (await render({})) !== (await render({ enable_thinking: false }));
}

/** 'generate' | 'chat': shows that tab's panel; the sampling form goes with it (one set of settings for both). */
function setMode(mode) {
  const chatting = mode === 'chat';
  $('mode-tabs').hidden = !canChat;
  $('generate-box').hidden = chatting;
  $('chat-box').hidden = !chatting;
  $('mode-chat').setAttribute('aria-selected', String(chatting));
  $('mode-generate').setAttribute('aria-selected', String(!chatting));
  (chatting ? $('chat-input') : $('prompt')).after(sampling);
}

$('mode-chat').addEventListener('click', () => setMode('chat'));
$('mode-generate').addEventListener('click', () => setMode('generate'));

/** The system field's text, or undefined when it is blank (no system message). */
const systemMessage = () => ($('system').value.trim() === '' ? undefined : $('system').value);
/** Whether conversation `c` starts with this system message (undefined: with none). */
const startsWith = (c, system) => (system === undefined
  ? c.messages[0]?.role !== 'system'
  : c.messages[0]?.role === 'system' && c.messages[0].content === system);
const hasTurns = (c) => c?.messages.some((m) => m.role !== 'system') ?? false;

$('send').addEventListener('click', async () => {
  const text = $('chat-input').value;
  if (text.trim() === '') return;
  // A conversation starts at its first message, with the system message then in the field (which is read-only
  // while the conversation has turns).
  if (chat === undefined || (!hasTurns(chat) && !startsWith(chat, systemMessage()))) chat = model.chat({ system: systemMessage() });
  setState('generating');
  $('chat-input').value = '';
  chatView.start(text);
  const options = readSampling(sampling);
  const stats = new GenerationStats(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const controller = new AbortController();
  running = controller;
  try {
    // on_abort 'finish': Stop ends the reply like any other end, and the chat keeps it as far as it got.
    let usage;
    const thinking = canThink ? { chat_template_kwargs: { enable_thinking: $('thinking').checked } } : {};
    for await (const step of chat.send(text, { ...options, ...thinking, seed: stats.seed, signal: controller.signal, on_abort: 'finish' })) {
      stats.add(step.token);
      chatView.append(step.text);
      if (step.finishReason !== undefined) {
        stats.finish(step.finishReason, loadedModel.nCtx);
        usage = step.usage;
      }
    }
    chatView.finish(stats, usage);
  } catch (e) {
    // The conversation is as it was before the turn (the Chat adds a turn only when its stream ends): so is the
    // transcript, and the message goes back into the input to be edited or sent again.
    chatView.fail(`Could not reply: ${e.message}`, chat.messages);
    $('chat-input').value = text;
  } finally {
    running = undefined;
  }
  setState('ready');
});

$('chat-stop').addEventListener('click', () => running?.abort());

$('new-chat').addEventListener('click', () => {
  // The same system message: the conversation starts again; another one: a new conversation with it.
  if (chat !== undefined && startsWith(chat, systemMessage())) {
    chat.reset();
  } else {
    chat = undefined;
  }
  chatView.clear();
  setState(document.body.dataset.state);
  $('chat-input').focus();
});

// Enter sends, Shift+Enter is a new line; Ctrl+Enter (⌘+Enter) sends too, as in the Generate prompt.
$('chat-input').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' || e.isComposing || (e.shiftKey && !e.ctrlKey && !e.metaKey)) return;
  e.preventDefault();
  if (!$('send').disabled) $('send').click();
});

// --- attention -----------------------------------------------------------

async function showAttention(prompt) {
  setState('attention');
  try {
    const ids = await model.tokenizer.encode(prompt);
    const shown = ids.slice(0, Math.min(ATTENTION_MAX_TOKENS, loadedModel.nCtx));
    const { tokens, layers, dims } = await model.attention(shown);
    attention.show({ tokens, layers, dims, promptTokens: ids.length, causal: loadedModel.capabilities.includes('generate') });
  } catch (e) {
    attention.fail(`No attention to show: ${e.message}`);
  }
  setState('ready');
}

$('show-attention').addEventListener('click', () => showAttention($('prompt').value));

// --- similarity (encoders) -----------------------------------------------

$('compare').addEventListener('click', async () => {
  const sentences = similarity.sentences();
  if (sentences.length === 0) {
    similarity.fail('Write at least one sentence (one per line).');
    return;
  }
  setState('embedding');
  const started = performance.now();
  try {
    const promptName = $('embed-prompt').value;
    similarity.show(sentences, await model.embed(sentences, promptName === '' ? {} : { prompt_name: promptName }),
      performance.now() - started);
  } catch (e) {
    similarity.fail(`Could not compare: ${e.message}`);
  }
  setState('ready');
});

// --- encoder tasks (classify, rerank, …) ----------------------------------

$('task').addEventListener('change', () => setState(document.body.dataset.state));
$('run-task').addEventListener('click', async () => {
  setState('task');
  await tasks.run(model);
  setState('ready');
});

// --- start ---------------------------------------------------------------

setState('starting');
engine.backendInfo().then(
  (info) => {
    showBackend(info);
    setState('idle');
  },
  (e) => {
    $('backend').textContent = `The engine could not start: ${e.message}`;
  },
);
