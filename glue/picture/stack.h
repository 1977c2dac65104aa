// The model a picture is drawn from: the objects reached from the roots,
// each holding one reference of the walk's, what each reported of itself,
// and the text and DOT renderings. Its memory is the installed
// environment's; a failed allocation ends the walk with OSKIT_ENOMEM.
#ifndef GLUE_PICTURE_STACK_H
#define GLUE_PICTURE_STACK_H

#include <cstddef>
#include <string>
#include <vector>

#include "glue/env/env.h"
#include "oskit/com.h"
#include "oskit/com/describe.h"

namespace oskit::picture {

using String = std::basic_string<char, std::char_traits<char>, env::Allocator<char>>;
template <class T>
using Vector = std::vector<T, env::Allocator<T>>;

struct Edge {
  std::size_t to;  // index of the held object
  String role;
};

struct Counter {
  String name;
  oskit_u64_t value;
};

struct Node {
  oskit_iunknown* identity = nullptr;  // a reference of the walk's
  String kind;
  String detail;
  Vector<String> interfaces;
  Vector<Edge> holds;
  Vector<Counter> counters;
  oskit_u32_t references = 0;  // the object's count without the walk's
};

class Stack {
 public:
  Stack() = default;
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Adds root and everything it reaches. 0 or OSKIT_ENOMEM.
  oskit_error_t walk_from(oskit_iunknown* root) noexcept;

  oskit_error_t render_text(String* out) const noexcept;
  oskit_error_t render_dot(String* out) const noexcept;

  const Vector<Node>& nodes() const { return nodes_; }

 private:
  struct Describing;

  // The index of obj's node, made (with its interfaces and reference count)
  // if obj is new. Throws std::bad_alloc.
  std::size_t node_of(oskit_iunknown* obj);
  void describe(std::size_t index);
  static void on_kind(void* ctx, const char* kind, const char* detail);
  static void on_answers(void* ctx, const char* name);
  static void on_holds(void* ctx, const char* role, oskit_iunknown* held);
  static void on_counter(void* ctx, const char* name, oskit_u64_t value);

  Vector<Node> nodes_;
};

}  // namespace oskit::picture

#endif  // GLUE_PICTURE_STACK_H
