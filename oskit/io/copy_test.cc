#include "oskit/io/copy.h"

#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/io/range.h"

namespace oskit {
namespace {

std::vector<char> numbered(std::size_t n) {
  std::vector<char> v(n);
  for (std::size_t i = 0; i < n; i++) v[i] = static_cast<char>(i * 7 + 1);
  return v;
}

TEST(CopyBytes, EverySizeUpToBeyondTheFastPaths) {
  for (std::size_t n = 0; n <= 200; n++) {
    const std::vector<char> src = numbered(n + 8);
    std::vector<char> dst(n + 16, 'z');
    copy_bytes(dst.data() + 3, src.data() + 5, n);
    EXPECT_EQ(std::memcmp(dst.data() + 3, src.data() + 5, n), 0) << n;
    EXPECT_EQ(dst[2], 'z') << n;
    EXPECT_EQ(dst[3 + n], 'z') << "wrote past the end at size " << n;
  }
}

TEST(CopyBytes, OverlappingRangesBehaveAsMemmove) {
  for (std::size_t n = 1; n <= 130; n++) {
    for (int shift : {-17, -3, -1, 1, 2, 9, 31}) {
      std::vector<char> a = numbered(n + 64);
      std::vector<char> b = a;
      const std::size_t from = 32, to = static_cast<std::size_t>(32 + shift);
      copy_bytes(a.data() + to, a.data() + from, n);
      std::memmove(b.data() + to, b.data() + from, n);
      EXPECT_EQ(a, b) << "size " << n << " shift " << shift;
    }
  }
}

TEST(ClampTransfer, Rules) {
  oskit_size_t n = 99;
  EXPECT_EQ(clamp_transfer(0, 10, 100, &n), 0);
  EXPECT_EQ(n, 10u);
  EXPECT_EQ(clamp_transfer(95, 10, 100, &n), 0);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(clamp_transfer(100, 0, 100, &n), 0);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(clamp_transfer(100, 1, 100, &n), OSKIT_EINVAL);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(clamp_transfer(-1, 1, 100, &n), OSKIT_EINVAL);
  EXPECT_EQ(clamp_transfer(INT64_MAX, 2, INT64_MAX, &n), OSKIT_EINVAL);
  EXPECT_EQ(clamp_transfer(0, SIZE_MAX, 100, &n), OSKIT_EINVAL);
  EXPECT_TRUE(block_aligned(4096, 512, 512));
  EXPECT_FALSE(block_aligned(4096, 511, 512));
  EXPECT_FALSE(block_aligned(100, 512, 512));
}

TEST(CheckBlockTransferArgs, TransferRulesThenBlockAlignment) {
  char buf[8];
  oskit_size_t actual = 99;
  EXPECT_EQ(check_block_transfer_args(buf, 1024, 512, &actual, 512), 0);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(check_block_transfer_args(buf, 0, 0, &actual, 512), 0);
  EXPECT_EQ(check_block_transfer_args(buf, 1024, 511, &actual, 512), OSKIT_EINVAL);
  EXPECT_EQ(check_block_transfer_args(buf, 100, 512, &actual, 512), OSKIT_EINVAL);
  EXPECT_EQ(check_block_transfer_args(buf, -512, 512, &actual, 512), OSKIT_EINVAL);
  EXPECT_EQ(check_block_transfer_args(nullptr, 0, 512, &actual, 512), OSKIT_E_POINTER);
  EXPECT_EQ(check_block_transfer_args(buf, 0, 512, nullptr, 512), OSKIT_E_POINTER);
  EXPECT_EQ(check_block_transfer_args(buf, 3, 5, &actual, 1), 0);
}

TEST(RoundDownToBlock, OffsetsAndCounts) {
  EXPECT_EQ(round_down_to_block(oskit_off_t{1535}, 512), 1024);
  EXPECT_EQ(round_down_to_block(oskit_off_t{1536}, 512), 1536);
  EXPECT_EQ(round_down_to_block(oskit_off_t{INT64_MAX}, 4096), INT64_MAX - 4095);
  EXPECT_EQ(round_down_to_block(oskit_size_t{511}, 512), 0u);
  EXPECT_EQ(round_down_to_block(oskit_size_t{SIZE_MAX}, 512), SIZE_MAX - 511);
  EXPECT_EQ(round_down_to_block(oskit_size_t{7}, 1), 7u);
}

}  // namespace
}  // namespace oskit
