#include <cmath>
#include <utility>

#include "kernels/f32-argmax/argmax.h"

namespace qkv {

namespace {

// True when entry (av, ai) ranks strictly above (bv, bi).
bool ranks_above(float av, int32_t ai, float bv, int32_t bi) {
  const bool a_nan = std::isnan(av), b_nan = std::isnan(bv);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && av != bv) return av > bv;
  return ai < bi;
}

// Heap over idx/val[0, m) whose root is the lowest-ranked entry.
void sift_down(int32_t* idx, float* val, size_t m, size_t pos) {
  for (;;) {
    size_t lowest = pos;
    for (size_t child = 2 * pos + 1; child <= 2 * pos + 2 && child < m; ++child) {
      if (ranks_above(val[lowest], idx[lowest], val[child], idx[child])) lowest = child;
    }
    if (lowest == pos) return;
    std::swap(idx[pos], idx[lowest]);
    std::swap(val[pos], val[lowest]);
    pos = lowest;
  }
}

}  // namespace

size_t f32_topk(size_t n, const float* x, size_t k, int32_t* idx, float* val) {
  const size_t m = k < n ? k : n;
  if (m == 0) return 0;
  for (size_t i = 0; i < m; ++i) {
    idx[i] = static_cast<int32_t>(i);
    val[i] = x[i];
  }
  for (size_t pos = m / 2; pos-- > 0;) sift_down(idx, val, m, pos);
  // Most entries of a logit row lose against the kept minimum at once.
  for (size_t i = m; i < n; ++i) {
    if (ranks_above(x[i], static_cast<int32_t>(i), val[0], idx[0])) {
      idx[0] = static_cast<int32_t>(i);
      val[0] = x[i];
      sift_down(idx, val, m, 0);
    }
  }
  // Heapsort: moving the lowest-ranked root to the back leaves the best first.
  for (size_t end = m - 1; end > 0; --end) {
    std::swap(idx[0], idx[end]);
    std::swap(val[0], val[end]);
    sift_down(idx, val, end, 0);
  }
  return m;
}

}  // namespace qkv
