// The prefill q8 GEMM on operands packed for it (gemm.h): a row group
// widened once to int16, pairs of K interleaved across its 4 rows, and 4
// activation rows interleaved pair by pair. A 4x4 tile takes one i32x4 dot
// product (pmaddwd) per pair of K and activation row: the row's pair
// broadcast against the 4 weight rows' pairs, so each lane sums one output
// and no per-block transpose is needed (the layout of onnxruntime's MLAS
// wasm int8 GEMM). The float steps per output are q8_group's
// (group-inl.h), op for op, so every output has the bits of the q8 GEMV's.
#include <hwy/highway.h>

#include <algorithm>
#include <cstring>

#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/group-inl.h"

namespace qkv {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;
using D32 = hn::FixedTag<int32_t, 4>;
using D16 = hn::FixedTag<int16_t, 8>;
using D8 = hn::FixedTag<int8_t, 16>;

static_assert(kQ8RowGroup == 4 && kQ8BlockSize == 32, "written for groups of 4 rows, blocks of 32");
constexpr size_t kPairs = kQ8BlockSize / 2;  // pairs of K per block

#if defined(__clang__)
#define QKV_NO_UNROLL _Pragma("nounroll")
#else
#define QKV_NO_UNROLL
#endif

// x[0], x[1] in every 32-bit lane (a v128.load32_splat in wasm).
HWY_INLINE hn::Vec<D16> pair(const int16_t* x) {
  int32_t v;
  std::memcpy(&v, x, sizeof(v));
  return hn::BitCast(D16(), hn::Set(D32(), v));
}

// The packing both operands share: 4 rows of q8 values, block b of row r at
// starts[r] + b * steps[r], widened to int16 with the rows interleaved by
// pairs of K (gemm.h's layout), kQ8GemmPackedBlock values per block.
void pack4(size_t k, const int8_t* const starts[4], const size_t steps[4], int16_t* out) {
  const D8 d8;
  const D16 d16;
  const D32 d32;
  const hn::FixedTag<int8_t, 8> d8h;
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    const int8_t *p0 = starts[0] + b * steps[0], *p1 = starts[1] + b * steps[1];
    const int8_t *p2 = starts[2] + b * steps[2], *p3 = starts[3] + b * steps[3];
    for (size_t h = 0; h < kQ8BlockSize; h += 16, out += 8 * 2 * kQ8RowGroup) {
      // 16 values (8 pairs) of each row; a pair is one 16-bit lane.
      const auto r0 = hn::BitCast(d16, hn::LoadU(d8, p0 + h)), r1 = hn::BitCast(d16, hn::LoadU(d8, p1 + h));
      const auto r2 = hn::BitCast(d16, hn::LoadU(d8, p2 + h)), r3 = hn::BitCast(d16, hn::LoadU(d8, p3 + h));
      // Pairs of rows 0/1 and 2/3 side by side, then all four rows' pair in one 64-bit lane.
      const auto lo01 = hn::BitCast(d32, hn::InterleaveLower(d16, r0, r1));
      const auto hi01 = hn::BitCast(d32, hn::InterleaveUpper(d16, r0, r1));
      const auto lo23 = hn::BitCast(d32, hn::InterleaveLower(d16, r2, r3));
      const auto hi23 = hn::BitCast(d32, hn::InterleaveUpper(d16, r2, r3));
      const hn::Vec<D32> quads[4] = {
          hn::InterleaveLower(d32, lo01, lo23), hn::InterleaveUpper(d32, lo01, lo23),
          hn::InterleaveLower(d32, hi01, hi23), hn::InterleaveUpper(d32, hi01, hi23)};
      for (size_t j = 0; j < 4; ++j) {
        const auto bytes = hn::BitCast(d8, quads[j]);
        hn::StoreU(hn::PromoteTo(d16, hn::LowerHalf(d8h, bytes)), d16, out + j * 4 * kQ8RowGroup);
        hn::StoreU(hn::PromoteTo(d16, hn::UpperHalf(d8h, bytes)), d16,
                   out + j * 4 * kQ8RowGroup + 2 * kQ8RowGroup);
      }
    }
  }
}

// The first MR rows of a tile against G row groups packed back to back (G
// = 2: 8 weight rows, each activation broadcast used twice): MR * G int32 and
// float accumulators, G weight vectors and a broadcast in flight. At MR = 4,
// G = 2 that is 19 vectors for V8's 16 xmm registers; the float sums, touched
// once per block, are the ones that spill.
template <size_t MR, size_t G, class Scale>
void tile(size_t nc, size_t k, const int16_t* xa, const float* x_scales, size_t xs_stride, const int16_t* w,
          const Scale* scales, const float* bias, float* y, size_t y_stride) {
  const D4 df;
  const D32 d32;
  const D16 d16;
  const size_t blocks = q8_blocks(k);
  // Group g's packed values and scales follow group g - 1's.
  const size_t w_step = kQ8GemmPackedBlock * blocks, scales_step = kQ8RowGroup * blocks;
  hn::Vec<D4> f[G][MR];
  for (size_t g = 0; g < G; ++g)
    for (size_t i = 0; i < MR; ++i) f[g][i] = hn::Zero(df);
  for (size_t b = 0; b < blocks; ++b, scales += kQ8RowGroup) {
    hn::Vec<D32> a[G][MR], o[G][MR];
    for (size_t g = 0; g < G; ++g)
      for (size_t i = 0; i < MR; ++i) a[g][i] = o[g][i] = hn::Zero(d32);
    // A rolled loop with two pointers stepping: V8 (Node 20) keeps one
    // register per distinct constant load offset, so a fully unrolled block
    // (64 offsets) spilled its broadcasts to the stack and ran 1.2x slower.
    QKV_NO_UNROLL
    for (size_t p = 0; p < kPairs; ++p, w += 2 * kQ8RowGroup, xa += 2 * kQ8GemmTileRows) {
      hn::Vec<D16> wv[G];
      for (size_t g = 0; g < G; ++g) wv[g] = hn::LoadU(d16, w + g * w_step);
      for (size_t i = 0; i < MR; ++i) {
        const auto xv = pair(xa + 2 * i);
        for (size_t g = 0; g < G; ++g)
          a[g][i] = hn::ReorderWidenMulAccumulate(d32, wv[g], xv, a[g][i], o[g][i]);
      }
    }
    // q8_group's block step per row: the exact int32 sums, converted, times
    // (w scales * x scale), plus the running sum.
    for (size_t g = 0; g < G; ++g) {
      const auto ws = q8_simd::load_scales(scales + g * scales_step);
      for (size_t i = 0; i < MR; ++i) {
        f[g][i] = hn::MulAdd(hn::ConvertTo(df, hn::Add(a[g][i], o[g][i])),
                             hn::Mul(ws, hn::Set(df, x_scales[i * xs_stride + b])), f[g][i]);
      }
    }
  }
  for (size_t g = 0; g < G; ++g) {
    const size_t cols = std::min(kQ8RowGroup, nc - g * kQ8RowGroup);
    for (size_t i = 0; i < MR; ++i) {
      q8_simd::store_group(f[g][i], cols, bias ? bias + g * kQ8RowGroup : nullptr,
                           y + i * y_stride + g * kQ8RowGroup);
    }
  }
}

template <size_t G, class Scale>
void tile_rows(size_t mr, size_t nc, size_t k, const int16_t* xa, const float* x_scales, size_t xs_stride,
               const int16_t* w, const Scale* scales, const float* bias, float* y, size_t y_stride) {
  switch (mr) {
    case 1:
      return tile<1, G, Scale>(nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
    case 2:
      return tile<2, G, Scale>(nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
    case 3:
      return tile<3, G, Scale>(nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
    default:
      return tile<4, G, Scale>(nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
  }
}

}  // namespace

void q8_gemm_ukernel_4x4_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const float* scales, const float* bias, float* y, size_t y_stride) {
  tile_rows<1>(mr, nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
}

void q8_gemm_ukernel_4x4_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const uint16_t* scales, const float* bias, float* y, size_t y_stride) {
  tile_rows<1>(mr, nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
}

void q8_gemm_ukernel_4x8_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const float* scales, const float* bias, float* y, size_t y_stride) {
  tile_rows<2>(mr, nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
}

void q8_gemm_ukernel_4x8_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const uint16_t* scales, const float* bias, float* y, size_t y_stride) {
  tile_rows<2>(mr, nc, k, xa, x_scales, xs_stride, w, scales, bias, y, y_stride);
}

void q8_gemm_pack_x(size_t rows, size_t k, const int8_t* x8, size_t x8_stride, int16_t* xa) {
  // Rows past `rows` read one block of zeros over and over.
  static const int8_t kZeros[kQ8BlockSize] = {};
  const int8_t* starts[kQ8GemmTileRows];
  size_t steps[kQ8GemmTileRows];
  for (size_t r = 0; r < kQ8GemmTileRows; ++r) {
    starts[r] = r < rows ? x8 + r * x8_stride : kZeros;
    steps[r] = r < rows ? kQ8BlockSize : 0;
  }
  pack4(k, starts, steps, xa);
}

void q8_gemm_pack_group__simd(size_t k, const int8_t* q, int16_t* packed) {
  const int8_t* starts[kQ8RowGroup] = {q, q + kQ8BlockSize, q + 2 * kQ8BlockSize, q + 3 * kQ8BlockSize};
  const size_t step = kQ8RowGroup * kQ8BlockSize;
  const size_t steps[kQ8RowGroup] = {step, step, step, step};
  pack4(k, starts, steps, packed);
}

}  // namespace qkv
