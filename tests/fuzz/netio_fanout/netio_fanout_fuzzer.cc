// Fuzzes graphs of netio fanouts (components/netio) with random additions,
// removals, pushes and buffer requests, against a model written from
// components/netio/netio.h and OSKit manual 7.5:
//   - add_listener refuses the fanout itself and any fanout from which the
//     fanout can be reached (a cycle: OSKIT_E_INVALIDARG), a consumer already
//     there (OSKIT_EEXIST); remove_listener of one not there is
//     OSKIT_E_INVALIDARG;
//   - push delivers the packet to every consumer registered when it began, in
//     registration order, once per registration (so a consumer reached along
//     two paths sees it twice, and along one path once), skipping one removed
//     before the push reached it, and returns the first error after trying
//     all; consumers may add, remove and push from inside a push, and a loop
//     through a consumer fails with OSKIT_ELOOP past
//     OSKIT_NETIO_FANOUT_MAX_NESTING nested pushes;
//   - alloc_bufio asks the consumers in order and returns the first buffer;
//   - references: a fanout holds exactly one reference per registration, and
//     every object goes once the last holder lets go.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "oskit/com/heap.h"
#include "oskit/error.h"
#include "oskit/io/netio.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace oskit::fuzz {
namespace {

constexpr int kMaxFanouts = 8;
constexpr int kMaxLeaves = 6;
constexpr long kDeliveryBudget = 600;  // larger pushes are not run: the model would take too long
constexpr std::size_t kPacketBytes = 64;

enum class Action { kNone, kAdd, kRemove, kPush };

// What a leaf consumer does each time a packet reaches it.
struct LeafPlan {
  oskit_error_t result = 0;
  Action action = Action::kNone;
  int fanout = 0;     // the fanout it acts on
  int consumer = 0;   // the node it adds or removes
  bool once = false;  // acts on its first packet only
  bool pooled = false;
};

// The topology as the model sees it: node ids are fanouts [0, nf) then leaves.
struct Graph {
  std::vector<std::vector<int>> consumers;  // per fanout, in registration order
};

struct ModelRun {
  Graph graph;
  std::vector<long> deliveries;  // per leaf
  std::vector<bool> acted;       // per leaf, for "once"
  std::vector<oskit_error_t> action_results;
  long budget = kDeliveryBudget;
  bool over_budget = false;
};

class FanoutFuzz;

// A leaf's state, shared by the real consumer and the model.
struct Leaf {
  FanoutFuzz* fuzz;
  int index;
  LeafPlan plan;
  oskit_netio* netio = nullptr;
  long deliveries = 0;
  bool acted = false;
  int destroyed = 0;
};

class FanoutFuzz {
 public:
  explicit FanoutFuzz(FuzzInput& in) : in_(in) {}

  ~FanoutFuzz() {
    const long live = oskit_live_objects();
    long ours = 0;
    for (oskit_netio_fanout* f : fanouts_) {
      f->release();
      ++ours;
    }
    for (Leaf& l : leaves_) {
      l.netio->release();
      ++ours;
    }
    for (const Leaf& l : leaves_) FUZZ_CHECK_EQ(l.destroyed, 1, "leaf %d goes exactly once", l.index);
    FUZZ_CHECK_EQ(oskit_live_objects(), live - ours, "every fanout and consumer goes with its last holder");
    packet_->release();
    if (pool_ != nullptr) pool_->release();
  }

  void run() {
    FUZZ_CHECK_EQ(oskit_bufio_heap_pool_create(&pool_), 0, "heap pool");
    packet_ = oskit_bufio_create(kPacketBytes);
    FUZZ_CHECK(packet_ != nullptr, "packet");
    const int nf = static_cast<int>(in_.range(1, kMaxFanouts));
    const int nl = static_cast<int>(in_.range(1, kMaxLeaves));
    leaves_.reserve(nl);
    for (int i = 0; i < nf; ++i) {
      fanouts_.push_back(oskit_netio_fanout_create());
      FUZZ_CHECK(fanouts_.back() != nullptr, "fanout");
    }
    graph_.consumers.resize(nf);
    for (int i = 0; i < nl; ++i) add_leaf(i, nf + nl);
    for (int steps = 0; steps < 64 && !in_.empty(); ++steps) step();
  }

  // The real consumer's push: counts, acts, answers.
  oskit_error_t on_push(Leaf& leaf, oskit_bufio* buf, oskit_size_t size) {
    FUZZ_CHECK(buf == pushing_buf_ && size == pushing_size_, "leaf %d sees the packet pushed", leaf.index);
    ++leaf.deliveries;
    if (leaf.plan.action != Action::kNone && !(leaf.plan.once && leaf.acted)) {
      leaf.acted = true;
      oskit_netio_fanout* f = fanouts_[leaf.plan.fanout];
      switch (leaf.plan.action) {
        case Action::kAdd:
          action_results_.push_back(f->add_listener(node(leaf.plan.consumer)));
          break;
        case Action::kRemove:
          action_results_.push_back(f->remove_listener(node(leaf.plan.consumer)));
          break;
        case Action::kPush:
          action_results_.push_back(f->push(buf, size));
          break;
        case Action::kNone:
          break;
      }
    }
    return leaf.plan.result;
  }

 private:
  int nodes() const { return static_cast<int>(fanouts_.size() + leaves_.size()); }
  bool is_fanout(int id) const { return id < static_cast<int>(fanouts_.size()); }
  oskit_netio* node(int id) { return is_fanout(id) ? fanouts_[id] : leaves_[id - fanouts_.size()].netio; }

  static oskit_error_t leaf_push(void* data, oskit_bufio_t* buf, oskit_size_t size) {
    Leaf* leaf = static_cast<Leaf*>(data);
    return leaf->fuzz->on_push(*leaf, buf, size);
  }
  static void leaf_destroyed(void* data) { ++static_cast<Leaf*>(data)->destroyed; }

  void add_leaf(int index, int node_count) {
    static constexpr oskit_error_t kResults[] = {0, 0, 0, OSKIT_EIO, OSKIT_EAGAIN, OSKIT_ENOMEM};
    LeafPlan plan;
    plan.result = in_.one_of(kResults);
    plan.action = in_.pick(3) == 0 ? static_cast<Action>(in_.range(1, 3)) : Action::kNone;
    plan.fanout = static_cast<int>(in_.pick(fanouts_.size()));
    plan.consumer = static_cast<int>(in_.pick(node_count));
    plan.once = in_.boolean();
    plan.pooled = in_.boolean();
    leaves_.push_back(Leaf{this, index, plan});
    Leaf& leaf = leaves_.back();
    leaf.netio = oskit_netio_create_pooled(leaf_push, &leaf, leaf_destroyed, plan.pooled ? pool_ : nullptr);
    FUZZ_CHECK(leaf.netio != nullptr, "leaf");
  }

  void step() {
    const int f = static_cast<int>(in_.pick(fanouts_.size()));
    switch (in_.pick(6)) {
      case 0:
      case 1:
        add(f, static_cast<int>(in_.pick(nodes())));
        break;
      case 2:
        remove(f, static_cast<int>(in_.pick(nodes())));
        break;
      case 3:
      case 4:
        push(f);
        break;
      default:
        alloc(f);
        break;
    }
    check_references();
  }

  // ------------------------------------------------------------ the model

  bool reaches(const Graph& g, int from, int to) const {
    if (from == to) return true;
    if (!is_fanout(from)) return false;
    for (int c : g.consumers[from]) {
      if (reaches(g, c, to)) return true;
    }
    return false;
  }

  oskit_error_t model_add(Graph& g, int f, int id) const {
    if (reaches(g, id, f)) return OSKIT_E_INVALIDARG;
    auto& list = g.consumers[f];
    if (std::find(list.begin(), list.end(), id) != list.end()) return OSKIT_EEXIST;
    list.push_back(id);
    return 0;
  }

  static oskit_error_t model_remove(Graph& g, int f, int id) {
    auto& list = g.consumers[f];
    auto it = std::find(list.begin(), list.end(), id);
    if (it == list.end()) return OSKIT_E_INVALIDARG;
    list.erase(it);
    return 0;
  }

  oskit_error_t model_leaf(ModelRun& run, int leaf_index, int nesting) const {
    if (--run.budget < 0) {
      run.over_budget = true;
      return 0;
    }
    ++run.deliveries[leaf_index];
    const LeafPlan& plan = leaves_[leaf_index].plan;
    if (plan.action != Action::kNone && !(plan.once && run.acted[leaf_index])) {
      run.acted[leaf_index] = true;
      switch (plan.action) {
        case Action::kAdd:
          run.action_results.push_back(model_add(run.graph, plan.fanout, plan.consumer));
          break;
        case Action::kRemove:
          run.action_results.push_back(model_remove(run.graph, plan.fanout, plan.consumer));
          break;
        case Action::kPush: {
          // Recorded in the order the real consumer records it: after the nested push.
          const oskit_error_t rc = model_push(run, plan.fanout, nesting);
          run.action_results.push_back(rc);
          break;
        }
        case Action::kNone:
          break;
      }
    }
    return plan.result;
  }

  oskit_error_t model_push(ModelRun& run, int f, int nesting) const {
    if (nesting >= OSKIT_NETIO_FANOUT_MAX_NESTING) return OSKIT_ELOOP;
    const std::vector<int> snapshot = run.graph.consumers[f];
    oskit_error_t first = 0;
    for (int id : snapshot) {
      if (run.over_budget) return 0;
      const auto& now = run.graph.consumers[f];
      if (std::find(now.begin(), now.end(), id) == now.end()) continue;  // removed before the push reached it
      const oskit_error_t rc = is_fanout(id) ? model_push(run, id, nesting + 1)
                                             : model_leaf(run, id - static_cast<int>(fanouts_.size()), nesting + 1);
      if (rc != 0 && first == 0) first = rc;
    }
    return first;
  }

  // ------------------------------------------------------------ operations

  void add(int f, int id) {
    const oskit_error_t want = model_add(graph_, f, id);
    FUZZ_CHECK_EQ(fanouts_[f]->add_listener(node(id)), want, "add node %d to fanout %d", id, f);
  }

  void remove(int f, int id) {
    const oskit_error_t want = model_remove(graph_, f, id);
    FUZZ_CHECK_EQ(fanouts_[f]->remove_listener(node(id)), want, "remove node %d from fanout %d", id, f);
  }

  void push(int f) {
    oskit_size_t size = static_cast<oskit_size_t>(in_.range(0, kPacketBytes));
    oskit_bufio* buf = packet_;
    switch (in_.pick(10)) {
      case 0:
        FUZZ_CHECK_EQ(fanouts_[f]->push(nullptr, size), OSKIT_E_POINTER, "push of no buffer");
        return;
      case 1:
        size = kPacketBytes + 1 + static_cast<oskit_size_t>(in_.u8());
        FUZZ_CHECK_EQ(fanouts_[f]->push(buf, size), OSKIT_EINVAL, "push of more than the buffer holds");
        return;
      default:
        break;
    }
    ModelRun run;
    run.graph = graph_;
    run.deliveries.assign(leaves_.size(), 0);
    run.acted.resize(leaves_.size());
    for (const Leaf& l : leaves_) run.acted[l.index] = l.acted;
    const oskit_error_t want = model_push(run, f, 0);
    if (run.over_budget) return;

    for (Leaf& l : leaves_) l.deliveries = 0;
    action_results_.clear();
    pushing_buf_ = buf;
    pushing_size_ = size;
    const oskit_error_t rc = fanouts_[f]->push(buf, size);
    FUZZ_CHECK_EQ(rc, want, "push into fanout %d: the first error after trying every consumer", f);
    for (const Leaf& l : leaves_) {
      FUZZ_CHECK_EQ(l.deliveries, run.deliveries[l.index], "deliveries to leaf %d: once per registration", l.index);
    }
    FUZZ_CHECK(action_results_ == run.action_results, "what consumers did from inside the push (%zu results)",
               action_results_.size());
    graph_ = run.graph;
  }

  // The first buffer any consumer gives, in order; pooled leaves give one.
  int model_alloc(int f, oskit_size_t size) const {
    for (int id : graph_.consumers[f]) {
      if (is_fanout(id)) {
        if (model_alloc(id, size) >= 0) return id;
      } else if (leaves_[id - fanouts_.size()].plan.pooled && size <= kPacketBytes * 16) {
        return id;
      }
    }
    return -1;
  }

  void alloc(int f) {
    const oskit_size_t size = in_.pick(8) == 0 ? ~oskit_size_t{0} - in_.u8() : in_.range(0, kPacketBytes * 16);
    if (in_.pick(16) == 0) {
      FUZZ_CHECK_EQ(fanouts_[f]->alloc_bufio(size, nullptr), OSKIT_E_POINTER, "alloc_bufio without out_buf");
      return;
    }
    oskit_bufio* out = reinterpret_cast<oskit_bufio*>(0x1);
    const oskit_error_t rc = fanouts_[f]->alloc_bufio(size, &out);
    if (model_alloc(f, size) < 0) {
      FUZZ_CHECK_EQ(rc, OSKIT_E_NOTIMPL, "alloc_bufio of %llu where no consumer gives one",
                    static_cast<unsigned long long>(size));
      FUZZ_CHECK(out == nullptr, "a failed alloc_bufio sets *out_buf to NULL");
      return;
    }
    FUZZ_CHECK(rc == 0 && out != nullptr, "alloc_bufio of %llu", static_cast<unsigned long long>(size));
    oskit_off_t got = -1;
    FUZZ_CHECK(out->getsize(&got) == 0 && static_cast<oskit_size_t>(got) >= size, "a buffer of at least the size");
    out->release();
  }

  // Each node: our reference plus one per registration.
  void check_references() {
    for (int id = 0; id < nodes(); ++id) {
      long registrations = 0;
      for (const auto& list : graph_.consumers) registrations += std::count(list.begin(), list.end(), id);
      oskit_netio* n = node(id);
      const long refs = static_cast<long>(n->addref()) - 1;
      n->release();
      FUZZ_CHECK_EQ(refs, 1 + registrations, "references to node %d", id);
    }
    for (const Leaf& l : leaves_) FUZZ_CHECK_EQ(l.destroyed, 0, "leaf %d is still held", l.index);
  }

  FuzzInput& in_;
  std::vector<oskit_netio_fanout*> fanouts_;
  std::vector<Leaf> leaves_;
  Graph graph_;
  oskit_bufio* packet_ = nullptr;
  oskit_bufio_pool* pool_ = nullptr;
  oskit_bufio* pushing_buf_ = nullptr;
  oskit_size_t pushing_size_ = 0;
  std::vector<oskit_error_t> action_results_;
};

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const long live = oskit_live_objects();
  {
    oskit::fuzz::FuzzInput in(data, size);
    oskit::fuzz::FanoutFuzz fuzz(in);
    fuzz.run();
  }
  FUZZ_CHECK_EQ(oskit_live_objects(), live, "objects left alive");
  return 0;
}
