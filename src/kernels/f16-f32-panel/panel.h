// f16 panel rows to f32: how gemm()'s prefill path feeds f16 weights to the
// f32 GEMM microkernel (f32-gemm), KC rows of a panel at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// Converts `rows` rows of NR = gemm_nr() f16 values (finite IEEE binary16
// bit patterns), src_stride values apart, to a contiguous rows × NR f32
// slice. Exact.
using F16F32PanelUkernelFn = void (*)(size_t rows, const uint16_t* src, size_t src_stride, float* dst);

// Plain loop: the test oracle.
void f16_f32_panel_ukernel__scalar(size_t rows, const uint16_t* src, size_t src_stride, float* dst);
// Highway SIMD.
void f16_f32_panel_ukernel__simd(size_t rows, const uint16_t* src, size_t src_stride, float* dst);

}  // namespace qkv
