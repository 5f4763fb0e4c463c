/**
 * Chat templates as transformers and transformers.js apply them: the Jinja
 * template of tokenizer_config.json, rendered by @huggingface/jinja (the
 * renderer transformers.js uses; trim_blocks and lstrip_blocks on, as
 * transformers sets them) with `messages`, `add_generation_prompt`, the
 * special tokens, `tools` / `documents` and any extra variables.
 */
import { Template } from '../vendor/jinja.js';
import { FormatError, InvalidArgumentError } from '../errors.js';

/** One turn of a conversation. Extra fields (tool_calls, name, …) reach the template as given. */
export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** What tokenizer_config.json gives a tokenizer: its chat template(s) and special-token strings. */
export interface TokenizerConfig {
  /** The default template, and named ones (from a list of { name, template }). */
  chatTemplate?: string;
  namedTemplates: Record<string, string>;
  specialTokens: Record<string, string>;
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/** Reads the parts of a parsed tokenizer_config.json that chat templates use. */
export function readTokenizerConfig(json: unknown): TokenizerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FormatError('tokenizer_config.json: expected a JSON object');
  }
  const config = json as Record<string, unknown>;
  const namedTemplates: Record<string, string> = {};
  let chatTemplate: string | undefined;
  const template = config.chat_template;
  if (typeof template === 'string') {
    chatTemplate = template;
  } else if (Array.isArray(template)) {
    // Several templates (e.g. 'default', 'tool_use', 'rag'): 'default' is the one used unless named.
    for (const [i, entry] of template.entries()) {
      const { name, template: text } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || typeof text !== 'string') {
        throw new FormatError(`tokenizer_config.json: chat_template[${i}] must be { name, template } strings`);
      }
      namedTemplates[name] = text;
    }
    chatTemplate = namedTemplates.default;
  } else if (template !== undefined && template !== null) {
    throw new FormatError('tokenizer_config.json: chat_template must be a string or a list of { name, template }');
  }
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const value = config[key];
    // A string, or an AddedToken object { content, lstrip, … } as older files write it.
    const content = typeof value === 'string' ? value
      : typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string'
        ? (value as { content: string }).content : undefined;
    if (content !== undefined) specialTokens[key] = content;
  }
  return { ...(chatTemplate !== undefined ? { chatTemplate } : {}), namedTemplates, specialTokens };
}

// Compiled templates by source: a chat app renders the same template at every turn.
const compiled = new Map<string, Template>();
const MAX_COMPILED = 16;

function compile(source: string): Template {
  let template = compiled.get(source);
  if (template === undefined) {
    try {
      // Jinja drops one newline at the very end of a template (keep_trailing_newline is off in
      // transformers); @huggingface/jinja keeps it, so it is dropped here.
      template = new Template(source.endsWith('\n') ? source.slice(0, -1) : source);
    } catch (e) {
      throw new FormatError(`the chat template does not parse: ${(e as Error).message}`, { cause: e });
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, template);
  }
  return template;
}

export function checkMessages(messages: unknown, method: string): asserts messages is readonly ChatMessage[] {
  if (!Array.isArray(messages) || !messages.every(isChatMessage)) {
    throw new InvalidArgumentError(`${method}: messages must be an array of { role, content } objects with string roles`);
  }
}

/** An array of { role, content } objects: a conversation rather than a prompt. */
export function isConversation(v: unknown): v is readonly ChatMessage[] {
  return Array.isArray(v) && v.length > 0 && v.every(isChatMessage);
}

function isChatMessage(m: unknown): m is ChatMessage {
  return typeof m === 'object' && m !== null && !Array.isArray(m) && typeof (m as { role?: unknown }).role === 'string';
}

/** Renders `source` over these variables; any failure is a FormatError that says it is the chat template. */
export function renderChatTemplate(source: string, variables: Record<string, unknown>): string {
  const template = compile(source);
  try {
    const text = template.render(variables);
    return typeof text === 'string' ? text : String(text);
  } catch (e) {
    // raise_exception('…') in the template throws Error('…'): its message is the template's own.
    throw new FormatError(`chat template: ${(e as Error).message}`, { cause: e });
  }
}
