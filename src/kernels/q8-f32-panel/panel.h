// q8 row groups to an f32 panel slice: how gemm()'s prefill path feeds q8
// weights to the f32 GEMM microkernel (f32-gemm). Only the scalar form
// exists; it runs once per KC x NR slice and is amortised over every row
// block of X.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// Dequantizes columns [k0, k0 + kc) of the nc q8 rows starting at q / scales
// (the start of a row group, grouped layout of packed_layout.h) into a
// kc x NR f32 panel slice, zero-filling columns nc .. NR-1. k0 is a multiple
// of 32.
using Q8F32PanelUkernelFn = void (*)(size_t nc, size_t k, size_t k0, size_t kc, const int8_t* q,
                                     const float* scales, float* panel);

void q8_f32_panel_ukernel__scalar(size_t nc, size_t k, size_t k0, size_t kc, const int8_t* q,
                                  const float* scales, float* panel);

}  // namespace qkv
