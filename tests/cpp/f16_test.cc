#include "kernels/common/f16.h"
#include "f16_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qkv {
namespace {

TEST(F16, DecodesEveryBitPattern) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const double ref = f16_reference(static_cast<uint16_t>(h));
    const float got = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(ref)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
    } else {
      ASSERT_EQ(static_cast<double>(got), ref) << std::hex << h;
    }
  }
}

TEST(F16, EncodeRoundTripsAndRoundsTiesToEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const double ref = f16_reference(static_cast<uint16_t>(h));
    if (std::isnan(ref)) continue;
    ASSERT_EQ(f32_to_f16(static_cast<float>(ref)), h) << std::hex << h;
  }
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    const double mid =
        (f16_reference(static_cast<uint16_t>(h)) + f16_reference(static_cast<uint16_t>(h + 1))) / 2;
    if (static_cast<double>(static_cast<float>(mid)) != mid) continue;  // not representable as float
    const uint16_t even = (h & 1) ? static_cast<uint16_t>(h + 1) : static_cast<uint16_t>(h);
    ASSERT_EQ(f32_to_f16(static_cast<float>(mid)), even) << std::hex << h;
  }
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);
  EXPECT_EQ(f32_to_f16(-1e6f), 0xfc00);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);  // largest value that rounds down to 65504
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::quiet_NaN()) & 0x7e00, 0x7e00);
}

TEST(BF16, DecodesAsTheHighHalfOfAFloat) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc000), -2.0f);
  EXPECT_TRUE(std::isinf(bf16_to_f32(0x7f80)));
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7fc0)));
}

}  // namespace
}  // namespace qkv
