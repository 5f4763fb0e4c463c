// The architectures qkv runs, picked by the name a Hub config.json gives.
#pragma once

#include <memory>

#include "io/config_reader.h"
#include "models/model.h"

namespace qkv {

// "GPT2LMHeadModel": the names qkv accepts, for messages.
const char* supported_architectures();

// Builds the (empty) model a config describes. An unknown architecture is
// an unsupported error that names it and lists the supported ones.
Status create_model(const ConfigReader& config, std::unique_ptr<Model>* out);

}  // namespace qkv
