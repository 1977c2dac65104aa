#include "glue/picture/stack.h"

#include <cinttypes>
#include <cstdio>
#include <new>

#include "oskit/com/listener.h"
#include "oskit/com/stream.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/bufio_pool.h"
#include "oskit/io/devctl.h"
#include "oskit/io/dma_space.h"
#include "oskit/io/netio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/ttystream.h"
#include "oskit/osenv.h"

namespace oskit::picture {
namespace {

struct KnownInterface {
  const oskit_guid* iid;
  const char* name;
};

// The contract's interfaces, in the order a picture lists them.
const KnownInterface kKnownInterfaces[] = {
    {&oskit_stream_iid, "stream"},
    {&oskit_ttystream_iid, "ttystream"},
    {&oskit_absio_iid, "absio"},
    {&oskit_blkio_iid, "blkio"},
    {&oskit_bufio_iid, "bufio"},
    {&oskit_bufio_pool_iid, "bufio_pool"},
    {&oskit_netio_iid, "netio"},
    {&oskit_netio_fanout_iid, "netio_fanout"},
    {&oskit_asyncio_iid, "asyncio"},
    {&oskit_posixio_iid, "posixio"},
    {&oskit_devctl_iid, "devctl"},
    {&oskit_dma_space_iid, "dma_space"},
    {&oskit_listener_iid, "listener"},
    {&oskit_osenv_mem_iid, "osenv_mem"},
    {&oskit_osenv_log_iid, "osenv_log"},
    {&oskit_osenv_clock_iid, "osenv_clock"},
    {&oskit_osenv_threads_iid, "osenv_threads"},
    {&oskit_osenv_irq_iid, "osenv_irq"},
    {&oskit_describe_iid, "describe"},
};

bool answers(oskit_iunknown* obj, const oskit_guid* iid) noexcept {
  void* found = nullptr;
  if (obj->query(iid, &found) != 0 || found == nullptr) return false;
  static_cast<oskit_iunknown*>(found)->release();
  return true;
}

oskit_u32_t references_without_ours(oskit_iunknown* identity) noexcept {
  const oskit_u32_t with_probe = identity->addref();
  identity->release();
  return with_probe >= 2 ? with_probe - 2 : 0;  // ours and the probe's
}

// Appends printf-formatted text.
template <class... Args>
void appendf(String* out, const char* format, Args... args) {
  char piece[256];
  const int n = std::snprintf(piece, sizeof piece, format, args...);
  if (n > 0) out->append(piece, static_cast<std::size_t>(n) < sizeof piece ? n : sizeof piece - 1);
}

// Appends s as the inside of a DOT string: quotes and backslashes escaped.
void append_dot_escaped(String* out, const String& s) {
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    if (c == '\n') {
      out->append("\\n");
      continue;
    }
    out->push_back(c);
  }
}

}  // namespace

// What a sink callback writes to: the node being described, and the first
// failure (callbacks run inside the object's noexcept describe and so
// cannot throw).
struct Stack::Describing {
  Stack* stack;
  std::size_t index;
  bool out_of_memory = false;

  template <class Fn>
  void guarded(Fn&& fn) noexcept {
    if (out_of_memory) return;
    try {
      fn(stack->nodes_[index]);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
  }
};

Stack::~Stack() {
  for (Node& n : nodes_) n.identity->release();
}

std::size_t Stack::node_of(oskit_iunknown* obj) {
  void* found = nullptr;
  if (obj->query(&oskit_iunknown_iid, &found) != 0 || found == nullptr) {
    found = obj;  // an object that does not answer IUnknown: itself
    obj->addref();
  }
  auto* identity = static_cast<oskit_iunknown*>(found);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].identity == identity) {
      identity->release();
      return i;
    }
  }
  try {
    nodes_.emplace_back();
  } catch (...) {
    identity->release();
    throw;
  }
  Node& node = nodes_.back();
  node.identity = identity;
  node.references = references_without_ours(identity);
  for (const KnownInterface& known : kKnownInterfaces) {
    if (answers(identity, known.iid)) node.interfaces.emplace_back(known.name);
  }
  return nodes_.size() - 1;
}

void Stack::on_kind(void* ctx, const char* kind, const char* detail) {
  static_cast<Describing*>(ctx)->guarded([&](Node& n) {
    if (kind != nullptr) n.kind = kind;
    if (detail != nullptr) n.detail = detail;
  });
}

void Stack::on_answers(void* ctx, const char* name) {
  static_cast<Describing*>(ctx)->guarded([&](Node& n) {
    if (name != nullptr) n.interfaces.emplace_back(name);
  });
}

void Stack::on_counter(void* ctx, const char* name, oskit_u64_t value) {
  static_cast<Describing*>(ctx)->guarded([&](Node& n) {
    if (name != nullptr) n.counters.push_back(Counter{String(name), value});
  });
}

void Stack::on_holds(void* ctx, const char* role, oskit_iunknown* held) {
  auto* d = static_cast<Describing*>(ctx);
  if (held == nullptr) return;
  d->guarded([&](Node&) {
    const std::size_t to = d->stack->node_of(held);  // may move the nodes
    d->stack->nodes_[d->index].holds.push_back(Edge{to, String(role != nullptr ? role : "")});
  });
}

void Stack::describe(std::size_t index) {
  void* found = nullptr;
  if (nodes_[index].identity->query(&oskit_describe_iid, &found) != 0 || found == nullptr) {
    nodes_[index].kind = "object";
    return;
  }
  auto* self = static_cast<oskit_describe*>(found);
  Describing describing{this, index};
  const oskit_description_sink sink = {&describing, on_kind, on_answers, on_holds, on_counter};
  self->describe(&sink);
  self->release();
  if (describing.out_of_memory) throw std::bad_alloc();
  if (nodes_[index].kind.empty()) nodes_[index].kind = "object";
}

oskit_error_t Stack::walk_from(oskit_iunknown* root) noexcept {
  try {
    std::size_t next = nodes_.size();
    node_of(root);
    // Objects are appended as they are reached: describing them in order
    // is a breadth-first walk.
    for (; next < nodes_.size(); ++next) describe(next);
    return 0;
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
}

oskit_error_t Stack::render_text(String* out) const noexcept {
  try {
    appendf(out, "%zu object%s\n", nodes_.size(), nodes_.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      appendf(out, "#%zu %s", i + 1, n.kind.c_str());
      if (!n.detail.empty()) appendf(out, " (%s)", n.detail.c_str());
      appendf(out, ", %u reference%s\n", n.references, n.references == 1 ? "" : "s");
      out->append("   answers:");
      for (const String& name : n.interfaces) appendf(out, " %s", name.c_str());
      out->push_back('\n');
      if (!n.holds.empty()) {
        out->append("   holds:");
        for (const Edge& e : n.holds) appendf(out, " #%zu as %s", e.to + 1, e.role.c_str());
        out->push_back('\n');
      }
      if (!n.counters.empty()) {
        out->append("   counters:");
        for (const Counter& c : n.counters) appendf(out, " %s=%" PRIu64, c.name.c_str(), c.value);
        out->push_back('\n');
      }
    }
    return 0;
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
}

oskit_error_t Stack::render_dot(String* out) const noexcept {
  try {
    out->append("digraph oskit_stack {\n  node [shape=box, fontname=\"monospace\"];\n");
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      String label;
      appendf(&label, "#%zu %s\n", i + 1, n.kind.c_str());
      if (!n.detail.empty()) label.append(n.detail).push_back('\n');
      for (std::size_t k = 0; k < n.interfaces.size(); ++k) {
        if (k != 0) label.append(k % 4 == 0 ? "\n" : ", ");
        label.append(n.interfaces[k]);
      }
      for (const Counter& c : n.counters) appendf(&label, "\n%s = %" PRIu64, c.name.c_str(), c.value);
      appendf(&label, "\nreferences = %u", n.references);
      appendf(out, "  o%zu [label=\"", i + 1);
      append_dot_escaped(out, label);
      out->append("\"];\n");
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      for (const Edge& e : nodes_[i].holds) {
        appendf(out, "  o%zu -> o%zu [label=\"", i + 1, e.to + 1);
        append_dot_escaped(out, e.role);
        out->append("\"];\n");
      }
    }
    out->append("}\n");
    return 0;
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
}

}  // namespace oskit::picture
