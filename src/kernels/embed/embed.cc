#include "kernels/embed/embed.h"

#include <cstring>
#include <string>

#include "kernels/cvt/cvt.h"
#include "kernels/q8/quant.h"

namespace qkv {

namespace {

Status check_ids(size_t n_vocab, const int32_t* ids, size_t n_ids) {
  for (size_t j = 0; j < n_ids; ++j) {
    if (ids[j] < 0 || static_cast<size_t>(ids[j]) >= n_vocab) {
      return Status::invalid_argument("embedding: id " + std::to_string(ids[j]) + " at index " +
                                      std::to_string(j) + " is outside [0, " + std::to_string(n_vocab) + ")");
    }
  }
  return Status::ok_status();
}

}  // namespace

Status embedding_gather_f32(const float* table, size_t n_vocab, size_t dim, const int32_t* ids, size_t n_ids,
                            float* out) {
  QKV_RETURN_IF_ERROR(check_ids(n_vocab, ids, n_ids));
  for (size_t j = 0; j < n_ids; ++j) {
    std::memcpy(out + j * dim, table + static_cast<size_t>(ids[j]) * dim, dim * sizeof(float));
  }
  return Status::ok_status();
}

Status embedding_gather_f16(const uint16_t* table, size_t n_vocab, size_t dim, const int32_t* ids,
                            size_t n_ids, float* out) {
  QKV_RETURN_IF_ERROR(check_ids(n_vocab, ids, n_ids));
  for (size_t j = 0; j < n_ids; ++j) {
    f16_to_f32_ukernel__simd(dim, table + static_cast<size_t>(ids[j]) * dim, out + j * dim);
  }
  return Status::ok_status();
}

Status embedding_gather_q8(const Q8MatrixView& table, const int32_t* ids, size_t n_ids, float* out) {
  QKV_RETURN_IF_ERROR(check_ids(table.rows, ids, n_ids));
  const size_t dim = table.cols, padded = q8_padded(dim), blocks = q8_blocks(dim);
  for (size_t j = 0; j < n_ids; ++j) {
    const size_t row = static_cast<size_t>(ids[j]);
    q8_to_f32_row__simd(dim, table.q + row * padded, table.scales + row * blocks, out + j * dim);
  }
  return Status::ok_status();
}

}  // namespace qkv
