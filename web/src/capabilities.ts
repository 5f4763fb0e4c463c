/**
 * What a loaded model can be asked to do. The wasm side reports it
 * (ModelInfo.capabilities) and every call that needs one asks here, so a new
 * kind of model (a classifier, an encoder-decoder) adds a capability instead
 * of another "is it an encoder?" test in each caller.
 */
import { UnsupportedError, type QkvError } from './errors.js';

/**
 * 'generate': a decoder, which generates text (generate(), forward());
 * 'encode': an encoder, which embeds text (embed());
 * 'classify': an encoder with a sequence-classification head (classify(), text-classification);
 * 'classify-tokens': an encoder with a token-classification head (classifyTokens(), token-classification);
 * 'fill-mask': an encoder with a masked-LM head (fillMaskLogits(), fill-mask).
 * 'question-answering': an encoder with a *ForQuestionAnswering head (answerLogits(), question-answering).
 * 'text2text': an encoder-decoder (T5, BART, Marian): generate(source) gives a target text, forward(source, target).
 */
export type Capability = 'generate' | 'encode' | 'classify' | 'classify-tokens' | 'fill-mask' | 'question-answering' | 'text2text';

/** The calls each capability offers, named in errors so they say what the model can do instead. */
const CALLS: Record<Capability, string> = {
  generate: 'generate(), forward()',
  encode: 'embed()',
  classify: 'classify()',
  'classify-tokens': 'classifyTokens()',
  'fill-mask': 'fillMaskLogits()',
  'question-answering': 'answerLogits()',
  text2text: 'generate(source), forward(source, target), attention(source, target)',
};

/** What a capability check needs to know about a model. */
export interface Capable {
  readonly architecture: string;
  readonly capabilities: readonly Capability[];
}

export function hasCapability(info: Capable, capability: Capability): boolean {
  return info.capabilities.includes(capability);
}

/**
 * Throws unless the model has `capability`; `call` names what was asked
 * (e.g. 'model.generate()'). The error says what the model can do instead.
 * UnsupportedError by default; a caller whose argument chose the task (pipeline) passes InvalidArgumentError.
 */
export function requireCapability(info: Capable, capability: Capability, call: string,
  ErrorClass: new (message: string) => QkvError = UnsupportedError): void {
  if (hasCapability(info, capability)) return;
  const can = info.capabilities.length === 0 ? 'nothing'
    : info.capabilities.map((c) => `'${c}' (${CALLS[c]})`).join(', ');
  throw new ErrorClass(`${call}: ${info.architecture} cannot '${capability}'; it can ${can}`);
}
