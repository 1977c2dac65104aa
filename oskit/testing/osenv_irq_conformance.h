// Conformance suite for oskit_osenv_irq (oskit/osenv.h): request checks the
// line and handler and refuses a line taken; a raise runs the line's handler
// with its argument, in the environment's interrupt context, never
// concurrently with itself; a handler may raise its own line again and free
// it; free waits for a handler running elsewhere, and once it returns the
// handler is never called again; lines are independent.
//
// Factory (constructed for each test, destroyed after it):
//   oskit_osenv_irq* irq();   // borrowed, valid while the factory lives
//   void deliver();           // lets pending interrupts be delivered (an
//                             // environment that delivers by itself: nothing)
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, OsenvIrqConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_OSENV_IRQ_CONFORMANCE_H
#define OSKIT_TESTING_OSENV_IRQ_CONFORMANCE_H

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "oskit/osenv.h"

namespace oskit::testing {

template <class Factory>
class OsenvIrqConformance : public ::testing::Test {
 protected:
  oskit_osenv_irq* irq() { return factory_.irq(); }
  void deliver() { factory_.deliver(); }
  // Delivers until done() holds.
  template <class Done>
  void deliver_until(Done done) {
    while (!done()) {
      deliver();
      std::this_thread::yield();
    }
  }

 private:
  Factory factory_;
};

TYPED_TEST_SUITE_P(OsenvIrqConformance);

namespace osenv_irq {

struct Line {
  oskit_osenv_irq* irq = nullptr;
  oskit_u32_t number = 0;
  std::atomic<int> calls{0};
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::atomic<int> raise_again{0};  // raises of its own line from the handler
  std::atomic<bool> free_itself{false};
  std::atomic<oskit_error_t> free_rc{1};
  std::atomic<bool> hold{false};  // the handler waits while set
  std::atomic<bool> entered{false};
};

inline void handler(void* arg) {
  auto* l = static_cast<Line*>(arg);
  if (l->running.fetch_add(1) != 0) l->overlapped = true;
  l->entered = true;
  while (l->hold) std::this_thread::yield();
  l->calls++;
  if (l->raise_again.load() > 0) {
    l->raise_again--;
    l->irq->raise(l->number);
  }
  if (l->free_itself) l->free_rc = l->irq->free(l->number);
  l->running--;
}

}  // namespace osenv_irq

TYPED_TEST_P(OsenvIrqConformance, RequestChecksItsArguments) {
  osenv_irq::Line l;
  EXPECT_EQ(this->irq()->request(OSKIT_OSENV_IRQ_LINES, osenv_irq::handler, &l), OSKIT_EINVAL);
  EXPECT_EQ(this->irq()->request(3, nullptr, &l), OSKIT_EINVAL);
  ASSERT_EQ(oskit_osenv_irq_request(this->irq(), 3, osenv_irq::handler, &l), 0);
  EXPECT_EQ(this->irq()->request(3, osenv_irq::handler, &l), OSKIT_EBUSY);
  EXPECT_EQ(this->irq()->free(3), 0);
  EXPECT_EQ(this->irq()->free(3), OSKIT_EINVAL);
  EXPECT_EQ(this->irq()->free(OSKIT_OSENV_IRQ_LINES), OSKIT_EINVAL);
}

TYPED_TEST_P(OsenvIrqConformance, ALineWithoutAHandlerCannotBeRaised) {
  EXPECT_EQ(this->irq()->raise(4), OSKIT_EINVAL);
  EXPECT_EQ(this->irq()->raise(OSKIT_OSENV_IRQ_LINES), OSKIT_EINVAL);
  osenv_irq::Line l;
  ASSERT_EQ(this->irq()->request(4, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->free(4), 0);
  EXPECT_EQ(oskit_osenv_irq_raise(this->irq(), 4), OSKIT_EINVAL);
}

TYPED_TEST_P(OsenvIrqConformance, ARaiseRunsTheHandlerWithItsArgument) {
  osenv_irq::Line l;
  l.irq = this->irq();
  ASSERT_EQ(this->irq()->request(5, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->raise(5), 0);
  this->deliver_until([&] { return l.calls >= 1; });
  ASSERT_EQ(this->irq()->free(5), 0);
  EXPECT_GE(l.calls, 1);
  EXPECT_FALSE(l.overlapped);
}

TYPED_TEST_P(OsenvIrqConformance, AHandlerMayRaiseItsOwnLineAgain) {
  osenv_irq::Line l;
  l.irq = this->irq();
  l.number = 6;
  l.raise_again = 4;
  ASSERT_EQ(this->irq()->request(6, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->raise(6), 0);
  this->deliver_until([&] { return l.calls >= 5; });
  ASSERT_EQ(this->irq()->free(6), 0);
  EXPECT_EQ(l.calls, 5);
  EXPECT_FALSE(l.overlapped) << "a handler never runs concurrently with itself";
}

TYPED_TEST_P(OsenvIrqConformance, LinesAreIndependent) {
  osenv_irq::Line a, b;
  a.irq = b.irq = this->irq();
  ASSERT_EQ(this->irq()->request(7, osenv_irq::handler, &a), 0);
  ASSERT_EQ(this->irq()->request(8, osenv_irq::handler, &b), 0);
  ASSERT_EQ(this->irq()->raise(8), 0);
  this->deliver_until([&] { return b.calls >= 1; });
  this->deliver();
  EXPECT_EQ(a.calls, 0);
  ASSERT_EQ(this->irq()->free(7), 0);
  ASSERT_EQ(this->irq()->free(8), 0);
}

TYPED_TEST_P(OsenvIrqConformance, FreeWaitsForARunningHandler) {
  osenv_irq::Line l;
  l.irq = this->irq();
  l.hold = true;
  ASSERT_EQ(this->irq()->request(9, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->raise(9), 0);
  // The interrupt context may be this thread's deliver(): run it apart.
  std::thread context([&] { this->deliver_until([&] { return l.calls >= 1; }); });
  while (!l.entered) std::this_thread::yield();
  std::atomic<bool> freed{false};
  std::thread freer([&] {
    EXPECT_EQ(this->irq()->free(9), 0);
    freed = true;
  });
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(freed) << "free returned while the handler ran";
    std::this_thread::yield();
  }
  l.hold = false;
  freer.join();
  context.join();
  EXPECT_EQ(l.calls, 1);
}

TYPED_TEST_P(OsenvIrqConformance, AfterFreeTheHandlerIsNeverCalled) {
  osenv_irq::Line l;
  l.irq = this->irq();
  ASSERT_EQ(this->irq()->request(10, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->raise(10), 0);
  ASSERT_EQ(this->irq()->free(10), 0);
  const int calls = l.calls;
  EXPECT_LE(calls, 1);
  for (int i = 0; i < 100; ++i) this->deliver();
  EXPECT_EQ(l.calls, calls);
  EXPECT_EQ(l.running, 0);
}

TYPED_TEST_P(OsenvIrqConformance, AHandlerMayFreeItsOwnLine) {
  osenv_irq::Line l;
  l.irq = this->irq();
  l.number = 11;
  l.free_itself = true;
  ASSERT_EQ(this->irq()->request(11, osenv_irq::handler, &l), 0);
  ASSERT_EQ(this->irq()->raise(11), 0);
  this->deliver_until([&] { return l.free_rc.load() != 1; });
  EXPECT_EQ(l.free_rc, 0);
  EXPECT_EQ(this->irq()->raise(11), OSKIT_EINVAL);
  EXPECT_EQ(this->irq()->free(11), OSKIT_EINVAL);
  // The line can be requested again.
  osenv_irq::Line again;
  again.irq = this->irq();
  ASSERT_EQ(this->irq()->request(11, osenv_irq::handler, &again), 0);
  ASSERT_EQ(this->irq()->raise(11), 0);
  this->deliver_until([&] { return again.calls >= 1; });
  EXPECT_EQ(this->irq()->free(11), 0);
}

REGISTER_TYPED_TEST_SUITE_P(OsenvIrqConformance, RequestChecksItsArguments, ALineWithoutAHandlerCannotBeRaised,
                            ARaiseRunsTheHandlerWithItsArgument, AHandlerMayRaiseItsOwnLineAgain, LinesAreIndependent,
                            FreeWaitsForARunningHandler, AfterFreeTheHandlerIsNeverCalled, AHandlerMayFreeItsOwnLine);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_IRQ_CONFORMANCE_H
