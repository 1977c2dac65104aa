#include "glue/posix/reactor.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "glue/env/counting_env.h"
#include "glue/posix/fd_asyncio.h"
#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/implements.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/test_listener.h"

namespace oskit::posix {
namespace {

// A minimal asyncio object over the read end of a pipe it owns.
class PipeAsyncio : public Implements<PipeAsyncio, oskit_asyncio> {
 public:
  OSKIT_COMDECL poll() noexcept override { return async_.poll(); }
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override {
    return async_.add_listener(l, mask);
  }
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override { return async_.remove_listener(l); }
  OSKIT_COMDECL readable() noexcept override { return async_.readable(); }

  int writer() const { return fds_[1]; }
  int reader() const { return fds_[0]; }
  FdAsyncio& async() { return async_; }

 protected:
  PipeAsyncio(const int* fds, Reactor* reactor) noexcept
      : fds_{fds[0], fds[1]}, async_(fds[0], identity(), OSKIT_ASYNCIO_ALL, reactor) {}
  ~PipeAsyncio() override {
    async_.close();
    close(fds_[0]);
    close(fds_[1]);
  }

 private:
  const int fds_[2];
  FdAsyncio async_;
};

ComPtr<PipeAsyncio> make_pipe(Reactor* reactor = nullptr) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return nullptr;
  return make<PipeAsyncio>(fds, reactor);
}

void put_byte(int fd) {
  char c = 'x';
  ASSERT_EQ(write(fd, &c, 1), 1);
}

struct PipeFactory {
  static constexpr bool kAlwaysReady = false;
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    ComPtr<PipeAsyncio> p = make_pipe();
    int w = p->writer();
    return {p, [w] { put_byte(w); }};
  }
  static ComPtr<oskit_iunknown> make_com() { return make().io; }
};

struct PipeCom {
  static ComPtr<oskit_iunknown> make() { return PipeFactory::make().io; }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_asyncio>::value}; }
};

}  // namespace
}  // namespace oskit::posix

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(FdAsyncioPipe, ComConformance, ::testing::Types<posix::PipeCom>);
INSTANTIATE_TYPED_TEST_SUITE_P(FdAsyncioPipe, AsyncioConformance, ::testing::Types<posix::PipeFactory>);
}  // namespace oskit::testing

namespace oskit::posix {
namespace {

using testing::TestListener;

using ReactorTest = testing::LeakCheckedTest;

void wait_until_idle(const Reactor& r) {
  while (r.running()) sched_yield();
}

TEST_F(ReactorTest, ThreadRunsOnlyWhileSomethingIsWatched) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  ASSERT_TRUE(p);
  EXPECT_FALSE(reactor.running());
  EXPECT_EQ(reactor.threads_started(), 0u);
  ComPtr<TestListener> l = make<TestListener>();
  ASSERT_EQ(p->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
  EXPECT_TRUE(reactor.running());
  EXPECT_EQ(reactor.watches(), 1u);
  put_byte(p->writer());
  l->wait_beyond(0);
  ASSERT_EQ(p->remove_listener(l.get()), 0);
  EXPECT_EQ(reactor.watches(), 0u);
  wait_until_idle(reactor);
  // Watching again starts a second worker (joining the first).
  ASSERT_GE(p->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
  EXPECT_EQ(reactor.threads_started(), 2u);
  const int seen = l->count();
  put_byte(p->writer());
  l->wait_beyond(seen);
  p.reset();  // the object goes with its listener registered
  EXPECT_EQ(reactor.watches(), 0u);
  wait_until_idle(reactor);
}

TEST_F(ReactorTest, WorkerThreadComesFromTheEnvironment) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  Reactor reactor;
  {
    ComPtr<PipeAsyncio> p = make_pipe(&reactor);
    ComPtr<TestListener> l = make<TestListener>();
    ASSERT_EQ(p->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
    EXPECT_EQ(counting.threads_started(), 1);
  }
  wait_until_idle(reactor);
}

TEST_F(ReactorTest, OnlyInterestedListenersAreNotified) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  ComPtr<TestListener> reader = make<TestListener>();
  ComPtr<TestListener> exceptional = make<TestListener>();
  ASSERT_EQ(p->add_listener(exceptional.get(), OSKIT_ASYNCIO_EXCEPTION), 0);
  ASSERT_EQ(p->add_listener(reader.get(), OSKIT_ASYNCIO_READABLE), 0);
  put_byte(p->writer());
  reader->wait_beyond(0);
  // A second listener's notification after the first proves the dispatch of
  // this event finished; the exception listener must not have been called.
  ComPtr<TestListener> late = make<TestListener>();
  ASSERT_EQ(p->add_listener(late.get(), OSKIT_ASYNCIO_READABLE), OSKIT_ASYNCIO_READABLE);
  char buf[8];
  ASSERT_EQ(read(p->reader(), buf, sizeof buf), 1);
  put_byte(p->writer());
  late->wait_beyond(0);
  EXPECT_EQ(exceptional->count(), 0);
}

TEST_F(ReactorTest, ObjectMayDieInsideItsOwnNotification) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  ComPtr<TestListener> first = make<TestListener>();
  ComPtr<TestListener> second = make<TestListener>();
  // The first listener drops the last reference to the object it hears from;
  // the second must then not be told about a dead object.
  int writer = dup(p->writer());
  oskit_asyncio* raw = p.detach();
  std::atomic<bool> dropped{false};
  first->on_notify([raw, &dropped](oskit_iunknown*) {
    if (!dropped.exchange(true)) raw->release();
  });
  ASSERT_EQ(raw->add_listener(first.get(), OSKIT_ASYNCIO_READABLE), 0);
  ASSERT_EQ(raw->add_listener(second.get(), OSKIT_ASYNCIO_READABLE), 0);
  put_byte(writer);
  first->wait_beyond(0);
  wait_until_idle(reactor);  // the object went, and with it the only watch
  EXPECT_EQ(second->count(), 0);
  close(writer);
  first->on_notify(nullptr);
}

TEST_F(ReactorTest, AListenerRemovedByAnEarlierOneIsNotNotified) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  ComPtr<TestListener> first = make<TestListener>();
  ComPtr<TestListener> second = make<TestListener>();
  ComPtr<TestListener> third = make<TestListener>();
  oskit_asyncio* io = p.get();
  first->on_notify([io, &second](oskit_iunknown*) { io->remove_listener(second.get()); });
  ASSERT_EQ(p->add_listener(first.get(), OSKIT_ASYNCIO_READABLE), 0);
  ASSERT_EQ(p->add_listener(second.get(), OSKIT_ASYNCIO_READABLE), 0);
  ASSERT_EQ(p->add_listener(third.get(), OSKIT_ASYNCIO_READABLE), 0);
  put_byte(p->writer());
  third->wait_beyond(0);  // the dispatch went past the removed one
  EXPECT_EQ(first->count(), 1);
  EXPECT_EQ(second->count(), 0) << "removed before the dispatch reached it";
  first->on_notify(nullptr);
}

// A listener whose context is torn down right after it is removed: no call
// may reach it once remove_listener has returned.
TEST_F(ReactorTest, NoNotificationAfterRemoveListenerReturns) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  for (int round = 0; round < 200; round++) {
    auto torn_down = std::make_shared<std::atomic<bool>>(false);
    auto late_calls = std::make_shared<std::atomic<int>>(0);
    ComPtr<TestListener> l = make<TestListener>();
    l->on_notify([torn_down, late_calls](oskit_iunknown*) {
      if (torn_down->load()) ++*late_calls;
    });
    ASSERT_GE(p->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
    put_byte(p->writer());
    if (round % 2 == 0) l->wait_beyond(0);  // half the time, while one may be running
    ASSERT_EQ(p->remove_listener(l.get()), 0);
    torn_down->store(true);
    char buf[8];
    while (read(p->reader(), buf, sizeof buf) > 0) {
    }
    EXPECT_EQ(late_calls->load(), 0) << "round " << round;
    l->on_notify(nullptr);
  }
}

TEST_F(ReactorTest, HangupIsAnException) {
  Reactor reactor;
  ComPtr<PipeAsyncio> p = make_pipe(&reactor);
  ComPtr<TestListener> l = make<TestListener>();
  ASSERT_EQ(p->add_listener(l.get(), OSKIT_ASYNCIO_EXCEPTION), 0);
  // Replacing the only write end by /dev/null hangs the pipe up (the object
  // still closes a valid descriptor later).
  int devnull = open("/dev/null", O_RDONLY);
  ASSERT_GE(devnull, 0);
  ASSERT_EQ(dup2(devnull, p->writer()), p->writer());
  close(devnull);
  l->wait_beyond(0);
  EXPECT_NE(p->poll() & OSKIT_ASYNCIO_EXCEPTION, 0);
}

TEST_F(ReactorTest, ConversionsBetweenMasks) {
  EXPECT_EQ(Reactor::conditions_from(0x001), static_cast<oskit_u32_t>(OSKIT_ASYNCIO_READABLE));   // POLLIN
  EXPECT_EQ(Reactor::conditions_from(0x004), static_cast<oskit_u32_t>(OSKIT_ASYNCIO_WRITABLE));   // POLLOUT
  EXPECT_EQ(Reactor::conditions_from(0x002), static_cast<oskit_u32_t>(OSKIT_ASYNCIO_EXCEPTION));  // POLLPRI
  EXPECT_EQ(Reactor::conditions_from(0x008), static_cast<oskit_u32_t>(OSKIT_ASYNCIO_ALL));        // POLLERR
}

// Many objects and threads adding and removing listeners while events fire and
// objects are released: run under --config=tsan.
TEST_F(ReactorTest, StressAddRemoveNotifyRelease) {
  Reactor reactor;
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&reactor] {
      for (int round = 0; round < kRounds; round++) {
        ComPtr<PipeAsyncio> p = make_pipe(&reactor);
        ASSERT_TRUE(p);
        ComPtr<TestListener> a = make<TestListener>();
        ComPtr<TestListener> b = make<TestListener>();
        ASSERT_GE(p->add_listener(a.get(), OSKIT_ASYNCIO_READABLE), 0);
        ASSERT_GE(p->add_listener(b.get(), OSKIT_ASYNCIO_ALL), 0);
        put_byte(p->writer());
        if (round % 2 == 0) a->wait_beyond(0);
        EXPECT_EQ(p->remove_listener(a.get()), 0);
        if (round % 3 == 0) {
          EXPECT_EQ(p->remove_listener(b.get()), 0);
        }
        // p goes here, sometimes with b still registered.
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(reactor.watches(), 0u);
  wait_until_idle(reactor);
}

}  // namespace
}  // namespace oskit::posix
