#include "models/model.h"

namespace qkv {

std::vector<std::string> capabilities_of(const Model& model) {
  std::vector<std::string> out;
  if (model.decoder() != nullptr) out.push_back("generate");
  if (model.encoder() != nullptr) out.push_back("encode");
  if (model.encoder() != nullptr && model.sequence_classifier() != nullptr) out.push_back("classify");
  if (model.encoder() != nullptr && model.token_classifier() != nullptr) out.push_back("classify-tokens");
  if (model.encoder() != nullptr && model.masked_lm() != nullptr) out.push_back("fill-mask");
  if (model.encoder() != nullptr && model.question_answerer() != nullptr) out.push_back("question-answering");
  if (model.seq2seq() != nullptr) out.push_back("text2text");  // runtime/Seq2SeqSession
  return out;
}

std::string seq2seq_not_runnable(const std::string& architecture) {
  return architecture +
         " is an encoder-decoder: it runs through its own runner (capability 'text2text': "
         "generate(source), forward(source, target)), not as a decoder or an encoder";
}

}  // namespace qkv
