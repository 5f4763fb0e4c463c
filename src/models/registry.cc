#include "models/registry.h"

#include "models/bart.h"
#include "models/bert.h"
#include "models/gemma3.h"
#include "models/gpt2.h"
#include "models/llama.h"
#include "models/modernbert.h"
#include "models/nomic_bert.h"
#include "models/t5.h"

namespace qkv {

const char* supported_architectures() {
  return "GPT2LMHeadModel, LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM, Qwen3ForCausalLM, "
         "SmolLM3ForCausalLM, Gemma3ForCausalLM, BertModel, RobertaModel, XLMRobertaModel, DistilBertModel "
         "(and their *ForSequenceClassification, *ForTokenClassification, *ForQuestionAnswering and "
         "*ForMaskedLM), ModernBertModel (and the same heads), NomicBertModel, "
         "T5ForConditionalGeneration, BartForConditionalGeneration, MarianMTModel, "
         "M2M100ForConditionalGeneration";
}

Status create_model(const ConfigReader& config, std::unique_ptr<Model>* out) {
  const std::string arch = config.architecture();
  if (arch == "GPT2LMHeadModel" || arch == "gpt2") {
    Gpt2Config c;
    QKV_RETURN_IF_ERROR(Gpt2Config::from_config(config, &c));
    *out = std::make_unique<Gpt2Model>(c);
    return Status::ok_status();
  }
  if (is_llama_family(arch)) {
    LlamaConfig c;
    QKV_RETURN_IF_ERROR(LlamaConfig::from_config(config, &c));
    *out = std::make_unique<LlamaModel>(c);
    return Status::ok_status();
  }
  if (is_gemma3_text(arch)) {
    Gemma3Config c;
    QKV_RETURN_IF_ERROR(Gemma3Config::from_config(config, &c));
    *out = std::make_unique<Gemma3Model>(c);
    return Status::ok_status();
  }
  if (is_bart_family(arch)) {
    BartConfig c;
    QKV_RETURN_IF_ERROR(BartConfig::from_config(config, &c));
    *out = std::make_unique<BartModel>(c);
    return Status::ok_status();
  }
  // *ForSequenceClassification, *ForTokenClassification and *ForMaskedLM load their heads too; other
  // BertFor* (RobertaFor*, DistilBertFor*, ...) heads are ignored: their checkpoints hold the same encoder.
  if (is_bert_family(arch)) {
    BertConfig c;
    QKV_RETURN_IF_ERROR(BertConfig::from_config(config, &c));
    *out = std::make_unique<BertModel>(c);
    return Status::ok_status();
  }
  // ModernBertFor* heads are ignored here too: the encoder is under "model.".
  if (is_modernbert(arch)) {
    ModernBertConfig c;
    QKV_RETURN_IF_ERROR(ModernBertConfig::from_config(config, &c));
    *out = std::make_unique<ModernBertModel>(c);
    return Status::ok_status();
  }
  if (is_nomic_bert(arch)) {
    NomicBertConfig c;
    QKV_RETURN_IF_ERROR(NomicBertConfig::from_config(config, &c));
    *out = std::make_unique<NomicBertModel>(c);
    return Status::ok_status();
  }
  if (arch == "T5ForConditionalGeneration" || arch == "t5") {
    T5Config c;
    QKV_RETURN_IF_ERROR(T5Config::from_config(config, &c));
    *out = std::make_unique<T5Model>(c);
    return Status::ok_status();
  }
  const std::string name = arch.empty() ? "no architecture (neither \"architectures\" nor \"model_type\")"
                                        : "architecture \"" + arch + "\"";
  return Status::unsupported(config.document() + ": " + name + " is not supported; qkv runs " +
                             supported_architectures());
}

}  // namespace qkv
