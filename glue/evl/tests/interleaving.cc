#include "glue/evl/tests/interleaving.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_format.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/tsan_interface.h>
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#include <sanitizer/asan_interface.h>
#include <sanitizer/tsan_interface.h>
#endif
#endif

namespace oskit::evl::testing {
namespace {

constexpr int kMaxThreads = 8;
constexpr uint64_t kMaxStepsPerRun = 100000;

// Thrown into the threads of a run given up (deadlock, livelock): unwinds
// their bodies.
struct Abandoned {};

// Words are named by the order in which a run first meets them, so that
// steps of different runs (fresh objects at other addresses) compare.
constexpr int kWait = -1;

struct Step {
  int thread = 0;
  int word = kWait;  // kWait for a wait
  bool write = false;
  int seq = 0;  // the thread's own step number, from 1
};

// Two steps conflict when they touch the same word and one writes it. A wait
// changes nothing and, once enabled, stays enabled: it commutes with every
// step (the reads before and after it carry the dependencies).
bool conflict(const Step& a, const Step& b) {
  if (a.word == kWait || b.word == kWait) return false;
  return a.word == b.word && (a.write || b.write);
}

// A state of the search: before one step of the run.
struct Node {
  uint32_t enabled = 0;
  uint32_t backtrack = 0;
  uint32_t done = 0;
  uint32_t sleep = 0;  // threads whose step here leads where explored already
  int chosen = 0;
  std::vector<Step> next;  // each thread's next step here
};

#if defined(__SANITIZE_ADDRESS__)
#define INTERLEAVING_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define INTERLEAVING_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INTERLEAVING_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define INTERLEAVING_TSAN 1
#endif
#endif

// A run's threads are coroutines on the explorer's own thread: one runs at a
// time. On x86-64 a switch saves the callee-saved registers and changes
// stacks (no system call); elsewhere it is swapcontext(3).
#if defined(__x86_64__)
extern "C" void oskit_interleaving_switch(void** save_sp, void* load_sp);
asm(R"(
  .text
  .globl oskit_interleaving_switch
  .type oskit_interleaving_switch, @function
oskit_interleaving_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size oskit_interleaving_switch, .-oskit_interleaving_switch
  .section .note.GNU-stack,"",@progbits
  .text
)");

struct Context {
  void* sp = nullptr;
};

// Prepares ctx to start fn on the stack [stack, stack + size).
void make_context(Context* ctx, char* stack, size_t size, void (*fn)()) {
  uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + size) & ~uintptr_t{15};
  void** sp = reinterpret_cast<void**>(top);
  *--sp = nullptr;                              // fn's return address: fn never returns
  *--sp = reinterpret_cast<void*>(fn);          // where the switch returns to
  for (int i = 0; i < 6; ++i) *--sp = nullptr;  // rbp, rbx, r12-r15
  ctx->sp = sp;
}

void switch_context(Context* from, Context* to) { oskit_interleaving_switch(&from->sp, to->sp); }
#else
struct Context {
  ucontext_t uc;
};

void make_context(Context* ctx, char* stack, size_t size, void (*fn)()) {
  getcontext(&ctx->uc);
  ctx->uc.uc_stack.ss_sp = stack;
  ctx->uc.uc_stack.ss_size = size;
  ctx->uc.uc_link = nullptr;
  makecontext(&ctx->uc, fn, 0);
}

void switch_context(Context* from, Context* to) { swapcontext(&from->uc, &to->uc); }
#endif

class Run;
Run* g_run = nullptr;  // the run whose coroutine is running, if any

constexpr size_t kStackSize = 1 << 20;

// Thread i's stack, kept from run to run.
char* stack_for(int i) {
  static std::vector<std::unique_ptr<char[]>> stacks;
  while (static_cast<int>(stacks.size()) <= i) stacks.emplace_back(new char[kStackSize]);
  return stacks[i].get();
}

class Run {
 public:
  explicit Run(InterleavingProgram program) : program_(std::move(program)), ctl_(program_.threads.size()) {}
  ~Run() {
#ifdef INTERLEAVING_TSAN
    for (Ctl& c : ctl_) {
      if (c.fiber != nullptr) __tsan_destroy_fiber(c.fiber);
    }
#endif
  }

  // Runs the program, replaying prefix, then choosing the first enabled
  // thread not asleep at each new state. Fills *nodes past the prefix and
  // *steps; *sleep_blocked when the run reached a state whose every way on
  // was explored before (it is then not an interleaving of its own).
  std::string execute(const std::vector<int>& prefix, std::vector<Node>* nodes, std::vector<Step>* steps,
                      bool* sleep_blocked) {
    const int n = static_cast<int>(program_.threads.size());
#ifdef INTERLEAVING_TSAN
    scheduler_fiber_ = __tsan_get_current_fiber();
#endif
    for (int i = 0; i < n; ++i) {
      start(i);
      give_turn(i);  // up to the first shared access
    }
    std::vector<int> seq(n, 0);
    uint32_t sleep = 0;
    for (size_t depth = 0;; ++depth) {
      const uint32_t enabled = enabled_threads();
      if (enabled == 0) {
        if (all_finished()) break;
        abandon();
        return "deadlock: every unfinished thread waits for a change no thread makes";
      }
      if (depth >= kMaxStepsPerRun) {
        abandon();
        return "livelock: the run does not end";
      }
      int t;
      if (depth < prefix.size()) {
        t = prefix[depth];
        if ((enabled & (1u << t)) == 0) {
          abandon();
          return "the program is not deterministic: a replayed schedule diverged";
        }
        (*nodes)[depth].sleep = sleep;
      } else {
        const uint32_t awake = enabled & ~sleep;
        if (awake == 0) {
          *sleep_blocked = true;
          abandon();
          return "";
        }
        t = __builtin_ctz(awake);
        Node node;
        node.enabled = enabled;
        node.backtrack = node.done = 1u << t;
        node.sleep = sleep;
        node.chosen = t;
        node.next = next_steps();
        nodes->push_back(node);
      }
      const Node& here = (*nodes)[depth];
      Step step = take_step(t);
      step.seq = ++seq[t];
      // Threads explored from here before t, and those asleep here, stay
      // asleep while their next step commutes with t's.
      uint32_t child = 0;
      for (uint32_t m = (here.sleep | here.done) & ~(1u << t); m != 0; m &= m - 1) {
        const int q = __builtin_ctz(m);
        if (!conflict(here.next[q], step)) child |= 1u << q;
      }
      sleep = child;
      steps->push_back(step);
      give_turn(t);
      if (program_.check_step) {
        std::string bad = program_.check_step();
        if (!bad.empty()) {
          abandon();
          return "invariant broken: " + bad;
        }
      }
    }
    if (program_.check_end) return program_.check_end();
    return "";
  }

  void pause(const void* addr, emul::Access access) {
    Ctl& c = ctl_[current_];
    c.state = Ctl::kPaused;
    c.word = word_of(addr);
    c.write = access == emul::Access::kWrite;
    yield();
  }

  void wait_for_change() {
    Ctl& c = ctl_[current_];
    c.state = Ctl::kWaiting;
    c.watched.swap(c.reads);
    c.reads.clear();
    yield();
  }

  void wait_for_change_of(const void* addr) {
    Ctl& c = ctl_[current_];
    const int word = word_of(addr);
    uint64_t seen = versions_[word];
    for (const auto& r : c.reads) {
      if (r.first == word) seen = r.second;
    }
    c.state = Ctl::kWaiting;
    c.watched.assign(1, {word, seen});
    c.reads.clear();
    yield();
  }

 private:
  struct Ctl {
    enum State { kStarting, kPaused, kWaiting, kFinished } state = kStarting;
    int word = 0;
    bool write = false;
    // Words read since the last wait, with the version read.
    std::vector<std::pair<int, uint64_t>> reads;
    std::vector<std::pair<int, uint64_t>> watched;  // what a waiting thread waits on
    Context context;
    char* stack = nullptr;
    void* fiber = nullptr;
  };

  // A waiting thread runs again once a word it read has changed since.
  bool changed(const Ctl& c) {
    for (const auto& [word, seen] : c.watched) {
      if (versions_[word] != seen) return true;
    }
    return false;
  }

  int word_of(const void* addr) {
    for (size_t i = 0; i < words_.size(); ++i) {
      if (words_[i] == addr) return static_cast<int>(i);
    }
    words_.push_back(addr);
    versions_.push_back(0);
    return static_cast<int>(words_.size() - 1);
  }

  void start(int i) {
    Ctl& c = ctl_[i];
    c.stack = stack_for(i);
    make_context(&c.context, c.stack, kStackSize, &Run::entry);
#ifdef INTERLEAVING_TSAN
    c.fiber = __tsan_create_fiber(0);
#endif
  }

  static void entry() {
    Run* run = g_run;
#ifdef INTERLEAVING_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &run->sched_stack_bottom_, &run->sched_stack_size_);
#endif
    const int i = run->current_;
    try {
      if (!run->abandoned_) run->program_.threads[i]();
    } catch (const Abandoned&) {
    }
    run->ctl_[i].state = Ctl::kFinished;
    run->switch_to_scheduler(true);
  }

  // From a coroutine back to the scheduler (finished: for the last time).
  void switch_to_scheduler(bool finished) {
    Ctl& c = ctl_[current_];
    current_ = -1;
    g_run = nullptr;
#ifdef INTERLEAVING_ASAN
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(finished ? nullptr : &fake, sched_stack_bottom_, sched_stack_size_);
#endif
#ifdef INTERLEAVING_TSAN
    __tsan_switch_to_fiber(scheduler_fiber_, 0);
#endif
    switch_context(&c.context, &scheduler_context_);
#ifdef INTERLEAVING_ASAN
    __sanitizer_finish_switch_fiber(fake, &sched_stack_bottom_, &sched_stack_size_);
#endif
    (void)finished;
  }

  void yield() {
    if (abandoned_) throw Abandoned();
    switch_to_scheduler(false);
    if (abandoned_) throw Abandoned();
  }

  // Runs coroutine t until it pauses, waits or finishes.
  void give_turn(int t) {
    Ctl& c = ctl_[t];
    current_ = t;
    g_run = this;
#ifdef INTERLEAVING_ASAN
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, c.stack, kStackSize);
#endif
#ifdef INTERLEAVING_TSAN
    __tsan_switch_to_fiber(c.fiber, 0);
#endif
    switch_context(&scheduler_context_, &c.context);
#ifdef INTERLEAVING_ASAN
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  }

  uint32_t enabled_threads() {
    uint32_t m = 0;
    for (size_t i = 0; i < ctl_.size(); ++i) {
      const Ctl& c = ctl_[i];
      if (c.state == Ctl::kPaused || (c.state == Ctl::kWaiting && changed(c))) m |= 1u << i;
    }
    return m;
  }

  // Each thread's next step, as take_step would record it.
  std::vector<Step> next_steps() {
    std::vector<Step> next(ctl_.size());
    for (size_t i = 0; i < ctl_.size(); ++i) {
      const Ctl& c = ctl_[i];
      next[i].thread = static_cast<int>(i);
      next[i].word = kWait;
      if (c.state == Ctl::kPaused) {
        next[i].word = c.word;
        next[i].write = c.write;
      }
    }
    return next;
  }

  bool all_finished() {
    for (const Ctl& c : ctl_) {
      if (c.state != Ctl::kFinished) return false;
    }
    return true;
  }

  // Records the step thread t is about to take.
  Step take_step(int t) {
    Ctl& c = ctl_[t];
    Step s{t, kWait, false, 0};
    if (c.state == Ctl::kWaiting) return s;
    s.word = c.word;
    s.write = c.write;
    // A write (a store, or a read-modify-write such as a failed
    // compare-exchange) also leaves the thread knowing the word's value.
    if (c.write) versions_[c.word]++;
    const uint64_t v = versions_[c.word];
    auto it = std::find_if(c.reads.begin(), c.reads.end(), [&](const auto& r) { return r.first == c.word; });
    if (it != c.reads.end()) {
      it->second = v;
    } else {
      c.reads.emplace_back(c.word, v);
    }
    return s;
  }

  // Unwinds the unfinished threads.
  void abandon() {
    abandoned_ = true;
    for (size_t i = 0; i < ctl_.size(); ++i) {
      if (ctl_[i].state != Ctl::kFinished) give_turn(static_cast<int>(i));
    }
  }

  InterleavingProgram program_;
  int current_ = -1;
  bool abandoned_ = false;
  std::vector<Ctl> ctl_;
  std::vector<const void*> words_;  // word n's address
  std::vector<uint64_t> versions_;  // writes so far, per word
  Context scheduler_context_;
#ifdef INTERLEAVING_ASAN
  const void* sched_stack_bottom_ = nullptr;
  size_t sched_stack_size_ = 0;
#endif
#ifdef INTERLEAVING_TSAN
  void* scheduler_fiber_ = nullptr;
#endif
};

// Finds the races of a run (conflicting steps of different threads with no
// other ordering between them) and adds the alternatives to the search.
// Writes to a word are ordered among themselves, so a step need only be
// compared with the word's last write and, for a write, the reads since.
void add_backtracks(const std::vector<Step>& steps, int threads, std::vector<Node>* nodes) {
  struct Clock {
    int at[kMaxThreads] = {};
  };
  struct WordHistory {
    long last_write = -1;
    std::vector<size_t> reads;  // since the last write
  };
  const size_t n = steps.size();
  std::vector<Clock> clock(n);
  std::vector<Clock> latest(threads);
  std::vector<WordHistory> words;
  std::vector<size_t> racers;
  for (size_t j = 0; j < n; ++j) {
    const Step& sj = steps[j];
    const int p = sj.thread;
    Clock c = latest[p];
    racers.clear();
    auto consider = [&](size_t i) {
      const Step& si = steps[i];
      if (si.thread == p) return;
      if (latest[p].at[si.thread] < si.seq) racers.push_back(i);
      for (int k = 0; k < threads; ++k) c.at[k] = std::max(c.at[k], clock[i].at[k]);
    };
    if (sj.word != kWait) {
      if (static_cast<int>(words.size()) <= sj.word) words.resize(sj.word + 1);
      WordHistory& h = words[sj.word];
      if (h.last_write >= 0) consider(static_cast<size_t>(h.last_write));
      if (sj.write) {
        for (size_t i : h.reads) consider(i);
        h.last_write = static_cast<long>(j);
        h.reads.clear();
      } else {
        h.reads.push_back(j);
      }
    }
    c.at[p] = sj.seq;
    clock[j] = c;
    latest[p] = c;
    for (size_t i : racers) {
      const Step& si = steps[i];
      bool closer = false;  // a later racer that i happens before
      for (size_t k : racers) closer |= k > i && clock[k].at[si.thread] >= si.seq;
      if (closer) continue;
      // Schedule, at the state before i, a thread leading to j: j's own if
      // it could run there, else the first one after i whose step j
      // depends on; else every thread (Flanagan and Godefroid, Fig. 4).
      Node& node = (*nodes)[i];
      uint32_t choice = node.enabled;
      for (size_t k = i + 1; k <= j; ++k) {
        const Step& sk = steps[k];
        const bool leads_to_j = k == j || c.at[sk.thread] >= sk.seq;
        if (leads_to_j && (node.enabled & (1u << sk.thread))) {
          choice = 1u << sk.thread;
          break;
        }
      }
      if (node.enabled & (1u << p)) choice = 1u << p;
      node.backtrack |= choice;
    }
  }
}

std::string describe(const std::vector<int>& schedule) {
  std::string s;
  for (int t : schedule) s += static_cast<char>('0' + t);
  return s;
}

}  // namespace

void InterleavingHooks::before(const void* addr, emul::Access access) {
  if (g_run != nullptr) g_run->pause(addr, access);
}

void InterleavingHooks::wait_for_change() {
  if (g_run != nullptr) g_run->wait_for_change();
}

void InterleavingHooks::wait_for_change_of(const void* addr) {
  if (g_run != nullptr) g_run->wait_for_change_of(addr);
}

ExplorationResult explore_interleavings(const std::function<InterleavingProgram()>& make, uint64_t max_interleavings) {
  ExplorationResult result;
  std::vector<Node> nodes;
  std::vector<int> prefix;
  for (;;) {
    InterleavingProgram program = make();
    const int threads = static_cast<int>(program.threads.size());
    if (threads > kMaxThreads) {
      result.failure = "too many threads";
      return result;
    }
    std::vector<Step> steps;
    std::string failure;
    bool sleep_blocked = false;
    {
      Run run(std::move(program));
      failure = run.execute(prefix, &nodes, &steps, &sleep_blocked);
    }
    if (getenv("INTERLEAVING_TRACE1") && result.interleavings < 2) {
      for (const Step& s : steps)
        fprintf(stderr, "t%d:%s:w%d ", s.thread, s.word == kWait ? "wait" : s.write ? "W" : "r", s.word);
      fprintf(stderr, "\n");
    }
    if (!sleep_blocked)
      result.interleavings++;
    else
      result.blocked++;
    result.steps += steps.size();
    if (!failure.empty()) {
      std::vector<int> schedule;
      for (const Step& s : steps) schedule.push_back(s.thread);
      if (getenv("INTERLEAVING_TRACE")) {
        for (const Step& s : steps) {
          fprintf(stderr, "t%d %s w%d\n", s.thread, s.word == kWait ? "wait" : s.write ? "write" : "read", s.word);
        }
      }
      result.failure =
          absl::StrFormat("%s (interleaving %d, schedule %s)", failure, result.interleavings, describe(schedule));
      return result;
    }
    add_backtracks(steps, threads, &nodes);
    int d = static_cast<int>(nodes.size()) - 1;
    auto todo = [](const Node& node) { return node.backtrack & ~node.done & ~node.sleep; };
    while (d >= 0 && todo(nodes[d]) == 0) --d;
    if (d < 0) {
      result.complete = true;
      return result;
    }
    if (result.interleavings >= max_interleavings) return result;
    const int t = __builtin_ctz(todo(nodes[d]));
    nodes[d].done |= 1u << t;
    nodes[d].chosen = t;
    nodes.resize(d + 1);
    prefix.clear();
    for (const Node& node : nodes) prefix.push_back(node.chosen);
  }
}

}  // namespace oskit::evl::testing
