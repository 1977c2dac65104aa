// Conformance suite for oskit_absio (OSKit manual 7.1) with the argument
// rules of oskit/io/range.h.
//
// Factory:
//   static oskit::ComPtr<oskit_absio> make(oskit_off_t size);  // exactly size bytes, writable
//   static constexpr bool kFixedSize;     // setsize gives OSKIT_E_NOTIMPL
//   static constexpr bool kWritesExtend;  // a write past the end grows the object (a file);
//                                         // otherwise it is clamped at the end (memory)
//   static constexpr oskit_off_t kSetsizeUnit;  // optional: setsize takes multiples of it only
//                                               // (others: OSKIT_EINVAL, nothing changed); 1 if absent
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, AbsioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_ABSIO_CONFORMANCE_H
#define OSKIT_TESTING_ABSIO_CONFORMANCE_H

#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/absio.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

// A recognisable byte pattern: byte i of a region starting at offset.
inline std::vector<char> pattern(std::size_t n, std::uint64_t offset = 0, int seed = 1) {
  std::vector<char> v(n);
  for (std::size_t i = 0; i < n; i++) v[i] = static_cast<char>((offset + i) * 31 + seed * 7 + ((offset + i) >> 8));
  return v;
}

// Factory::kSetsizeUnit, or 1.
template <class Factory, class = void>
struct SetsizeUnit : std::integral_constant<oskit_off_t, 1> {};
template <class Factory>
struct SetsizeUnit<Factory, std::void_t<decltype(Factory::kSetsizeUnit)>>
    : std::integral_constant<oskit_off_t, Factory::kSetsizeUnit> {};

template <class Factory>
class AbsioConformance : public LeakCheckedTest {
 protected:
  static constexpr oskit_off_t kSize = 8192;
  void SetUp() override {
    LeakCheckedTest::SetUp();
    io_ = Factory::make(kSize);
    ASSERT_TRUE(io_);
  }
  void TearDown() override {
    io_.reset();
    LeakCheckedTest::TearDown();
  }
  oskit_size_t write_all(const std::vector<char>& data, oskit_off_t offset) {
    oskit_size_t actual = 0;
    EXPECT_EQ(io_->write(data.data(), offset, data.size(), &actual), 0);
    return actual;
  }
  ComPtr<oskit_absio> io_;
};

TYPED_TEST_SUITE_P(AbsioConformance);

TYPED_TEST_P(AbsioConformance, BlockSizeIsOne) { EXPECT_EQ(this->io_->getblocksize(), 1u); }

TYPED_TEST_P(AbsioConformance, GetsizeReportsTheSize) {
  oskit_off_t size = -1;
  ASSERT_EQ(this->io_->getsize(&size), 0);
  EXPECT_EQ(size, this->kSize);
}

TYPED_TEST_P(AbsioConformance, WriteThenReadBackAtUnalignedOffsets) {
  for (oskit_off_t offset : {oskit_off_t{0}, oskit_off_t{1}, oskit_off_t{511}, oskit_off_t{4097}}) {
    const std::vector<char> data = pattern(777, offset, static_cast<int>(offset));
    EXPECT_EQ(this->write_all(data, offset), data.size());
    std::vector<char> back(data.size());
    oskit_size_t actual = 0;
    ASSERT_EQ(this->io_->read(back.data(), offset, back.size(), &actual), 0);
    EXPECT_EQ(actual, back.size());
    EXPECT_EQ(back, data) << "at offset " << offset;
  }
}

TYPED_TEST_P(AbsioConformance, ZeroAmountTransfersNothing) {
  char byte = 0;
  oskit_size_t actual = 99;
  EXPECT_EQ(this->io_->read(&byte, 0, 0, &actual), 0);
  EXPECT_EQ(actual, 0u);
  actual = 99;
  EXPECT_EQ(this->io_->write(&byte, 0, 0, &actual), 0);
  EXPECT_EQ(actual, 0u);
}

TYPED_TEST_P(AbsioConformance, ReadCrossingTheEndIsClamped) {
  const std::vector<char> tail = pattern(100, this->kSize - 100, 3);
  ASSERT_EQ(this->write_all(tail, this->kSize - 100), tail.size());
  std::vector<char> back(300);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->read(back.data(), this->kSize - 100, back.size(), &actual), 0);
  ASSERT_EQ(actual, 100u);
  back.resize(actual);
  EXPECT_EQ(back, tail);
}

TYPED_TEST_P(AbsioConformance, ReadAtOrPastTheEndFails) {
  char buf[16];
  oskit_size_t actual = 99;
  EXPECT_EQ(this->io_->read(buf, this->kSize, sizeof buf, &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(this->io_->read(buf, this->kSize + 1000, sizeof buf, &actual), OSKIT_EINVAL);
}

TYPED_TEST_P(AbsioConformance, NegativeAndOverflowingOffsetsFailAndChangeNothing) {
  const std::vector<char> data = pattern(64);
  ASSERT_EQ(this->write_all(data, 0), data.size());
  char buf[64] = {};
  oskit_size_t actual = 99;
  EXPECT_EQ(this->io_->write(buf, -1, sizeof buf, &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(this->io_->read(buf, -1, sizeof buf, &actual), OSKIT_EINVAL);
  const oskit_off_t max = std::numeric_limits<oskit_off_t>::max();
  EXPECT_EQ(this->io_->write(buf, max - 10, sizeof buf, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->read(buf, max - 10, sizeof buf, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->read(buf, 0, std::numeric_limits<oskit_size_t>::max(), &actual), OSKIT_EINVAL);
  oskit_off_t size = 0;
  ASSERT_EQ(this->io_->getsize(&size), 0);
  EXPECT_EQ(size, this->kSize);
  std::vector<char> back(data.size());
  ASSERT_EQ(this->io_->read(back.data(), 0, back.size(), &actual), 0);
  EXPECT_EQ(back, data);
}

TYPED_TEST_P(AbsioConformance, WritePastTheEndFollowsTheSizePolicy) {
  const std::vector<char> data = pattern(300, 0, 5);
  oskit_size_t actual = 0;
  oskit_error_t rc = this->io_->write(data.data(), this->kSize - 100, data.size(), &actual);
  oskit_off_t size = 0;
  ASSERT_EQ(this->io_->getsize(&size), 0);
  ASSERT_EQ(rc, 0);
  if (!TypeParam::kWritesExtend) {
    EXPECT_EQ(actual, 100u) << "an object that does not grow clamps a write crossing its end";
    EXPECT_EQ(size, this->kSize);
    EXPECT_EQ(this->io_->write(data.data(), this->kSize, data.size(), &actual), OSKIT_EINVAL);
    EXPECT_EQ(actual, 0u);
  } else {
    EXPECT_EQ(actual, data.size()) << "a growable object extends on a write past its end";
    EXPECT_EQ(size, this->kSize + 200);
  }
}

TYPED_TEST_P(AbsioConformance, SetsizeFollowsTheSizePolicy) {
  constexpr oskit_off_t unit = SetsizeUnit<TypeParam>::value;
  const oskit_off_t new_size = (100 + unit - 1) / unit * unit;
  oskit_off_t size = 0;
  if (unit > 1) {
    EXPECT_EQ(this->io_->setsize(new_size + 1), OSKIT_EINVAL) << "not a multiple of " << unit;
    ASSERT_EQ(this->io_->getsize(&size), 0);
    EXPECT_EQ(size, this->kSize) << "a refused setsize changed the size";
  }
  oskit_error_t rc = this->io_->setsize(new_size);
  ASSERT_EQ(this->io_->getsize(&size), 0);
  if (TypeParam::kFixedSize) {
    EXPECT_EQ(rc, OSKIT_E_NOTIMPL);
    EXPECT_EQ(size, this->kSize);
  } else {
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(size, new_size);
    EXPECT_EQ(this->io_->setsize(-1), OSKIT_EINVAL);
    ASSERT_EQ(this->io_->getsize(&size), 0);
    EXPECT_EQ(size, new_size) << "a refused setsize changed the size";
  }
}

TYPED_TEST_P(AbsioConformance, NullArgumentsAreRefused) {
  char buf[4];
  EXPECT_EQ(this->io_->read(buf, 0, sizeof buf, nullptr), OSKIT_E_POINTER);
  oskit_size_t actual = 0;
  EXPECT_EQ(this->io_->read(nullptr, 0, sizeof buf, &actual), OSKIT_E_POINTER);
  EXPECT_EQ(this->io_->write(nullptr, 0, sizeof buf, &actual), OSKIT_E_POINTER);
  EXPECT_EQ(this->io_->getsize(nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(AbsioConformance, CallableThroughTheCMacros) {
  oskit_absio_t* f = this->io_.get();
  const std::vector<char> data = pattern(64, 0, 9);
  oskit_size_t actual = 0;
  ASSERT_EQ(oskit_absio_write(f, data.data(), 10, data.size(), &actual), 0);
  std::vector<char> back(64);
  ASSERT_EQ(oskit_absio_read(f, back.data(), 10, back.size(), &actual), 0);
  EXPECT_EQ(back, data);
}

REGISTER_TYPED_TEST_SUITE_P(AbsioConformance, BlockSizeIsOne, GetsizeReportsTheSize,
                            WriteThenReadBackAtUnalignedOffsets, ZeroAmountTransfersNothing,
                            ReadCrossingTheEndIsClamped, ReadAtOrPastTheEndFails,
                            NegativeAndOverflowingOffsetsFailAndChangeNothing, WritePastTheEndFollowsTheSizePolicy,
                            SetsizeFollowsTheSizePolicy, NullArgumentsAreRefused, CallableThroughTheCMacros);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_ABSIO_CONFORMANCE_H
