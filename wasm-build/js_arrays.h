// Copies between wasm memory and JS arrays that the Embind files share: ids
// from a JS array, floats out as Float32Array copies (JS keeps them after
// wasm memory grows or is reused).
#pragma once

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qkv_bind {

inline std::vector<int32_t> ids_from(const emscripten::val& ids) {
  return emscripten::convertJSArrayToNumberVector<int32_t>(ids);
}

inline emscripten::val float_array(const float* data, size_t n) {
  return emscripten::val::global("Float32Array")
      .new_(emscripten::typed_memory_view(n, data))
      .call<emscripten::val>("slice");
}

// An array of Float32Array copies, one per vector (attention: one per layer).
inline emscripten::val float_arrays(const std::vector<std::vector<float>>& vectors) {
  emscripten::val list = emscripten::val::array();
  for (const std::vector<float>& v : vectors) list.call<void>("push", float_array(v.data(), v.size()));
  return list;
}

}  // namespace qkv_bind
