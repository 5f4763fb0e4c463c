#include "kernels/simd_target.h"

#include <hwy/highway.h>

namespace qkv {

const char* simd_target_name() { return hwy::TargetName(HWY_TARGET); }

}  // namespace qkv
