// A model from the user's disk: the files of a folder chosen with the file
// input, or dropped (files or a whole folder), sorted into what
// loadModel({ config, weights, tokenizer }) takes.

const EXTRA_FILES = ['modules.json', '1_Pooling/config.json'];
// A repository published without tokenizer.json has its tokenizer in these (M2M100's sentencepiece.bpe.model,
// Marian's source.spm / target.spm, each with vocab.json), read by the library as they are.
const TOKENIZER_FILES = ['vocab.json', 'sentencepiece.bpe.model', 'special_tokens_map.json', 'source.spm', 'target.spm',
  'target_vocab.json'];

/**
 * { config, weights, tokenizer?, tokenizerConfig?, generationConfig?, extraFiles? } Files from a list of { file, path };
 * throws naming what is missing. Without tokenizer.json, a folder with vocab.json passes its tokenizer's own files.
 */
export function pickModelFiles(entries) {
  // Prefer the shallowest copy of each file (a Hub folder may hold sub-folders such as onnx/).
  const sorted = [...entries].sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));
  const top = depth(sorted[0]?.path ?? '');
  const find = (name) => sorted.find((e) => e.file.name === name)?.file;
  const config = find('config.json');
  const tokenizer = find('tokenizer.json');
  const weights = sorted
    .filter((e) => e.file.name.endsWith('.safetensors') && depth(e.path) === top)
    .map((e) => e.file);
  // The folder's top level, as paths relative to it.
  const relative = (path) => path.split('/').slice(top - 1).join('/');
  const ownTokenizer = sorted.some((e) => relative(e.path) === 'vocab.json');
  const missing = [
    config === undefined && 'config.json',
    tokenizer === undefined && !ownTokenizer && 'tokenizer.json',
    weights.length === 0 && 'a .safetensors file',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`the model folder lacks ${missing.join(', ')} (found: ${entries.map((e) => e.file.name).join(', ') || 'nothing'})`);
  }
  // Optional files, passed only when the folder has them: the chat template and special tokens
  // (tokenizer_config.json), the checkpoint's sampling defaults and end tokens (generation_config.json).
  const tokenizerConfig = find('tokenizer_config.json');
  const generationConfig = find('generation_config.json');
  // A sentence-transformers model's pooling files and a tokenizer's own files, keyed by their path in the model folder.
  const extraFiles = Object.fromEntries(sorted
    .filter((e) => EXTRA_FILES.includes(relative(e.path)) || (tokenizer === undefined && TOKENIZER_FILES.includes(relative(e.path))))
    .map((e) => [relative(e.path), e.file]));
  return {
    config, weights,
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    ...(tokenizerConfig !== undefined ? { tokenizerConfig } : {}),
    ...(generationConfig !== undefined ? { generationConfig } : {}),
    ...(Object.keys(extraFiles).length > 0 ? { extraFiles } : {}),
  };
}

function depth(path) {
  return path.split('/').length;
}

/** Entries of an <input type=file webkitdirectory> selection. */
export function entriesFromInput(fileList) {
  return [...fileList].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/**
 * Entries of a drop: dropped folders are walked. Must be called during the
 * drop event (the DataTransfer empties afterwards); the walk itself is async.
 */
export function entriesFromDrop(dataTransfer) {
  const items = [...dataTransfer.items].filter((item) => item.kind === 'file');
  const roots = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  if (roots.length === 0 || roots.includes(null)) {
    return Promise.resolve([...dataTransfer.files].map((file) => ({ file, path: file.name })));
  }
  return Promise.all(roots.map((entry) => walk(entry))).then((lists) => lists.flat());
}

async function walk(entry) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ file, path: entry.fullPath.replace(/^\//, '') }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) {
    // readEntries returns at most ~100 entries per call; an empty batch ends the folder.
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(walk))).flat();
}
