#include "models/registry.h"

#include "models/gpt2.h"

namespace qkv {

const char* supported_architectures() { return "GPT2LMHeadModel"; }

Status create_model(const ConfigReader& config, std::unique_ptr<Model>* out) {
  const std::string arch = config.architecture();
  if (arch == "GPT2LMHeadModel" || arch == "gpt2") {
    Gpt2Config c;
    QKV_RETURN_IF_ERROR(Gpt2Config::from_config(config, &c));
    *out = std::make_unique<Gpt2Model>(c);
    return Status::ok_status();
  }
  const std::string name = arch.empty() ? "no architecture (neither \"architectures\" nor \"model_type\")"
                                        : "architecture \"" + arch + "\"";
  return Status::unsupported(config.document() + ": " + name + " is not supported; qkv runs " +
                             supported_architectures());
}

}  // namespace qkv
