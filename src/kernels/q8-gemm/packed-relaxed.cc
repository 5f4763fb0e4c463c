// The prefill q8 GEMM of the relaxed-SIMD builds on activations packed for
// it (gemm.h): 4 activation rows interleaved by quads of K, split by sign
// into two 7-bit operands as the relaxed GEMV reads x. The weights stay in
// the grouped layout of packed_layout.h, unpacked: a weight row's quad of K is
// one 4-byte broadcast. One i32x4.relaxed_dot_i8x16_i7x16_add then sums a
// quad of K for one weight row against the 4 activation rows (lane i: row i),
// so a 4x4 tile takes 2 vector loads, 4 broadcasts and 8 dot products per
// quad of K, no widening, no transpose in the loop: the weights are the int8
// operand (any value, -128 included), the activations the 7-bit one, never
// with the top bit set, so no lane depends on the engine's choice for
// out-of-range inputs.
//
// The float steps per output are q8_group's (relaxed-inl.h), op for op and
// unfused (the per-lane products w_scale * x_scale, then sums * that, then
// the running sum): every output has the bits of the relaxed q8 GEMV, which
// has the SIMD128 GEMV's. Here a vector holds one weight row's outputs for
// the 4 activation rows, a transpose of the GEMV's lanes, which changes no
// output's arithmetic.
#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include "kernels/common/f16x4-inl.h"
#include "kernels/q8-gemm/gemm.h"

namespace qkv {
namespace {

static_assert(kQ8RowGroup == 4 && kQ8GemmTileRows == 4 && kQ8BlockSize == 32,
              "written for groups of 4 rows, tiles of 4 rows, blocks of 32");
constexpr size_t kQuads = kQ8BlockSize / 4;  // quads of K per block

#if defined(__clang__)
#define QKV_NO_UNROLL _Pragma("nounroll")
#else
#define QKV_NO_UNROLL
#endif

inline v128_t splat32(const int8_t* p) { return wasm_v128_load32_splat(p); }

// A block's 4 row scales, each in all 4 lanes: q8's loaded one by one,
// q8h's converted as one vector (common/f16x4-inl.h) and splatted lane by lane.
inline void splat_scales(const float* s, v128_t out[4]) {
  for (size_t j = 0; j < 4; ++j) out[j] = wasm_f32x4_splat(s[j]);
}
inline void splat_scales(const uint16_t* s, v128_t out[4]) {
  const v128_t v = f16x4::to_f32(s).raw;
  out[0] = wasm_i32x4_shuffle(v, v, 0, 0, 0, 0);
  out[1] = wasm_i32x4_shuffle(v, v, 1, 1, 1, 1);
  out[2] = wasm_i32x4_shuffle(v, v, 2, 2, 2, 2);
  out[3] = wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
}

// f + sums * (w_scale * x_scales), lane by lane: q8_group's block step.
inline v128_t scale_add(v128_t p, v128_t n, v128_t w_scale, v128_t xs, v128_t f) {
  const v128_t s = wasm_f32x4_mul(w_scale, xs);
  return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(p, n)), s), f);
}

}  // namespace

void q8_gemm_pack_x__relaxed(size_t rows, size_t k, const int8_t* x8, size_t x8_stride, const float* x_scales,
                             size_t xs_stride, int8_t* xa, float* xs) {
  static const int8_t kZeros[kQ8BlockSize] = {};
  const int8_t* starts[kQ8GemmTileRows];
  size_t steps[kQ8GemmTileRows];
  for (size_t r = 0; r < kQ8GemmTileRows; ++r) {
    starts[r] = r < rows ? x8 + r * x8_stride : kZeros;
    steps[r] = r < rows ? kQ8BlockSize : 0;
  }
  const v128_t zero = wasm_i8x16_const_splat(0);
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    for (size_t r = 0; r < kQ8GemmTileRows; ++r)
      xs[b * kQ8GemmTileRows + r] = r < rows ? x_scales[r * xs_stride + b] : 0.0f;
    for (size_t h = 0; h < kQ8BlockSize; h += 16, xa += 4 * 2 * 16) {
      // 4 quads of each row, then a 4x4 transpose of 32-bit lanes: vector u
      // holds quad u of rows 0..3.
      const v128_t r0 = wasm_v128_load(starts[0] + b * steps[0] + h);
      const v128_t r1 = wasm_v128_load(starts[1] + b * steps[1] + h);
      const v128_t r2 = wasm_v128_load(starts[2] + b * steps[2] + h);
      const v128_t r3 = wasm_v128_load(starts[3] + b * steps[3] + h);
      const v128_t lo01 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5),
                   hi01 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
      const v128_t lo23 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5),
                   hi23 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
      const v128_t quads[4] = {wasm_i64x2_shuffle(lo01, lo23, 0, 2), wasm_i64x2_shuffle(lo01, lo23, 1, 3),
                               wasm_i64x2_shuffle(hi01, hi23, 0, 2), wasm_i64x2_shuffle(hi01, hi23, 1, 3)};
      for (size_t u = 0; u < 4; ++u) {
        // As q8_split_signs_row__relaxed: p = max(q, 0), n = p - q saturated (-128 gives 127).
        const v128_t p = wasm_i8x16_max(quads[u], zero);
        wasm_v128_store(xa + u * 32, p);
        wasm_v128_store(xa + u * 32 + 16, wasm_i8x16_sub_sat(p, quads[u]));
      }
    }
  }
}

namespace {

template <class Scale>
void tile(size_t mr, size_t nc, size_t k, const int8_t* xa, const float* xs, const int8_t* q,
          const Scale* scales, const float* bias, float* y, size_t y_stride) {
  const v128_t zero = wasm_i32x4_const_splat(0);
  v128_t f0 = wasm_f32x4_const_splat(0.0f), f1 = f0, f2 = f0, f3 = f0;
  for (size_t b = 0; b < q8_blocks(k); ++b, xs += kQ8GemmTileRows, scales += kQ8RowGroup) {
    // p_j, n_j: weight row j against the 4 rows' positive and negative parts.
    v128_t p0 = zero, p1 = zero, p2 = zero, p3 = zero, n0 = zero, n1 = zero, n2 = zero, n3 = zero;
    const int8_t* w = q + b * kQ8RowGroup * kQ8BlockSize;
    // Rolled: two quads per iteration measured the same, the whole block
    // unrolled 0.7x (V8 keeps a register per constant offset and spills).
    QKV_NO_UNROLL
    for (size_t u = 0; u < kQuads; ++u, w += 4, xa += 32) {
      const v128_t xp = wasm_v128_load(xa), xn = wasm_v128_load(xa + 16);
      const v128_t w0 = splat32(w), w1 = splat32(w + kQ8BlockSize);
      p0 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w0, xp, p0);
      n0 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w0, xn, n0);
      p1 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w1, xp, p1);
      n1 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w1, xn, n1);
      const v128_t w2 = splat32(w + 2 * kQ8BlockSize), w3 = splat32(w + 3 * kQ8BlockSize);
      p2 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w2, xp, p2);
      n2 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w2, xn, n2);
      p3 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w3, xp, p3);
      n3 = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w3, xn, n3);
    }
    const v128_t x_scale = wasm_v128_load(xs);
    v128_t ws[4];
    splat_scales(scales, ws);
    f0 = scale_add(p0, n0, ws[0], x_scale, f0);
    f1 = scale_add(p1, n1, ws[1], x_scale, f1);
    f2 = scale_add(p2, n2, ws[2], x_scale, f2);
    f3 = scale_add(p3, n3, ws[3], x_scale, f3);
  }
  // f_j lane i is output (i, j); store_group's last step, bias or +0.0f.
  alignas(16) float out[kQ8RowGroup][kQ8GemmTileRows];
  wasm_v128_store(out[0], f0);
  wasm_v128_store(out[1], f1);
  wasm_v128_store(out[2], f2);
  wasm_v128_store(out[3], f3);
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nc; ++j) y[i * y_stride + j] = out[j][i] + (bias ? bias[j] : 0.0f);
  }
}

}  // namespace

void q8_gemm_ukernel_4x4_packed__relaxed(size_t mr, size_t nc, size_t k, const int8_t* xa, const float* xs,
                                         const int8_t* q, const float* scales, const float* bias, float* y,
                                         size_t y_stride) {
  tile(mr, nc, k, xa, xs, q, scales, bias, y, y_stride);
}

void q8_gemm_ukernel_4x4_packed__relaxed(size_t mr, size_t nc, size_t k, const int8_t* xa, const float* xs,
                                         const int8_t* q, const uint16_t* scales, const float* bias, float* y,
                                         size_t y_stride) {
  tile(mr, nc, k, xa, xs, q, scales, bias, y, y_stride);
}

}  // namespace qkv
#endif
