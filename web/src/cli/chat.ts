/**
 * qkv chat: a conversation with a chat model in the terminal. Each line read
 * is a user turn; the reply streams to stdout. The model keeps its KV cache
 * between turns (model.chat()), so a turn costs its new tokens, not the
 * history's. On a terminal: a "> " prompt, line editing and the session's
 * input history (arrow keys), Ctrl+C stops a reply (and at the prompt, exits).
 * From a pipe: one turn per line, the replies one per line.
 */
import { createInterface } from 'node:readline';
import {
  InvalidArgumentError, type Chat, type ChatTemplateKwargs, type FinishReason, type GenerationOptions, type Model,
} from '../index.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { Command } from './command.js';
import { describeError, formatMs, formatRate } from './format.js';
import { openModel, SESSION_OPTIONS } from './load.js';
import { generationOptionsOf, SAMPLING_OPTIONS, withTerminalLength } from './sampling.js';

const HELP = '/reset forgets the conversation (the system message stays), /exit or Ctrl+D ends, /help shows this';

export const chatCommand: Command = {
  name: 'chat',
  usage: '<model>',
  summary: 'talk with a chat model (one that has a chat template), reusing the cache between turns',
  details: [
    'Reads user turns from stdin, one per line, and streams each reply to stdout. The conversation goes',
    'through the model\'s chat template every turn, and the KV cache keeps what the previous turns computed:',
    'only the new message is processed. After each reply, stderr gets the tokens, the speed, the time to',
    `first token and how many prompt tokens came from the cache. ${HELP}.`,
  ],
  positionals: { min: 1, max: 1 },
  options: [
    { name: 'system', type: 'string', placeholder: 'TEXT', description: 'the system message the conversation starts with' },
    { name: 'chat-template-kwargs', type: 'string', placeholder: 'JSON', description: 'variables for the chat template, e.g. \'{"enable_thinking": false}\' (Qwen3)' },
    ...SAMPLING_OPTIONS,
    ...SESSION_OPTIONS,
  ],
  examples: [
    'qkv chat HuggingFaceTB/SmolLM2-135M-Instruct --dtype q8',
    'qkv chat ./my-chat-model --system "You are terse." --temperature 0.7 < questions.txt',
    'qkv chat Qwen/Qwen3-0.6B --chat-template-kwargs \'{"enable_thinking": false}\'',
  ],
  async run(args) {
    const [source] = args.positionals as [string];
    const { model } = await openModel(source, args);
    const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
    const lines = createInterface({ input: process.stdin, output: process.stdout, terminal, prompt: '> ' });
    let controller: AbortController | undefined;
    lines.on('SIGINT', () => {
      if (controller !== undefined) controller.abort();
      else lines.close();
    });
    try {
      requireChatTemplate(model, source);
      const system = args.string('system');
      const kwargs = templateKwargsOf(args.string('chat-template-kwargs'));
      const chat = model.chat({
        ...(system !== undefined ? { system } : {}),
        generation: { ...withTerminalLength(generationOptionsOf(args), model), ...kwargs },
      });
      if (terminal) {
        process.stderr.write(`${HELP}\n`);
        lines.prompt();
      }
      for await (const line of lines) {
        const text = line.trim();
        if (text === '/exit') break;
        if (text === '/help') {
          process.stderr.write(`${HELP}\n`);
        } else if (text === '/reset') {
          chat.reset();
          process.stderr.write('[conversation reset]\n');
        } else if (text !== '') {
          controller = new AbortController();
          try {
            await reply(chat, text, { signal: controller.signal }, args.flag('quiet'));
          } catch (e) {
            // At a terminal a refused turn (too long for the context, say) is said and the chat goes on;
            // from a pipe it fails the command, as a script expects.
            if (!terminal) throw e;
            process.stderr.write(`${describeError(e)}\n`);
          } finally {
            controller = undefined;
          }
        }
        if (terminal) lines.prompt();
      }
    } finally {
      lines.close();
      model.dispose();
    }
  },
};

/** --chat-template-kwargs as the generation option (generate() checks its keys). */
function templateKwargsOf(json: string | undefined): GenerationOptions {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new InvalidArgumentError(`qkv chat: --chat-template-kwargs is not JSON (${(e as Error).message}): ${json}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`qkv chat: --chat-template-kwargs must be a JSON object, got ${json}`);
  }
  return { chat_template_kwargs: value as ChatTemplateKwargs };
}

/** A model without a chat template is named before the first line is read. */
function requireChatTemplate(model: Model, source: string): void {
  try {
    requireTokenizer(model.tokenizer, 'qkv chat').apply_chat_template([{ role: 'user', content: 'Hi' }], { add_generation_prompt: true, tokenize: false });
  } catch (e) {
    throw new InvalidArgumentError(`qkv chat: ${source} cannot chat: ${(e as Error).message}; qkv generate continues plain text`);
  }
}

/** Streams one turn's reply to stdout and its numbers to stderr; an abort ends the reply, not the chat. */
async function reply(chat: Chat, text: string, options: GenerationOptions, quiet: boolean): Promise<void> {
  const start = performance.now();
  let first = start;
  let tokens = 0;
  let reason: FinishReason | undefined;
  let note = '';
  try {
    for await (const step of chat.send(text, options)) {
      if (step.token >= 0 && tokens++ === 0) first = performance.now();
      process.stdout.write(step.text);
      if (step.finishReason !== undefined) reason = step.finishReason;
      if (step.usage !== undefined) note = `, ${step.usage.cachedTokens} of ${step.usage.promptTokens} prompt tokens from the cache`;
    }
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) throw e;
    process.stdout.write('\n');
    process.stderr.write('[reply stopped; it is not kept in the conversation]\n');
    return;
  }
  const end = performance.now();
  process.stdout.write('\n');
  if (reason === 'context') process.stderr.write('[stopped: the context is full; /reset starts over]\n');
  if (!quiet) {
    const speed = tokens > 1 ? formatRate(((tokens - 1) * 1000) / (end - first)) : 'n/a tok/s';
    process.stderr.write(`[${tokens} tokens, ${speed}, time to first token ${tokens > 0 ? formatMs(first - start) : 'n/a'}${note}]\n`);
  }
}
