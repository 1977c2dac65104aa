#include "glue/picture/picture.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "glue/env/counting_env.h"
#include "glue/env/env.h"
#include "gtest/gtest.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace {

using oskit::ComPtr;
using oskit::make;

// A listener that does not describe itself.
class Plain : public oskit::Implements<Plain, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }

 protected:
  Plain() = default;
};

// A part of a test stack: holds others in roles, counts its calls.
class Part : public oskit::Implements<Part, oskit_listener, oskit_describe> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return oskit::describe_to(sink, [&](oskit::Description& d) {
      d.kind("part", name_.c_str());
      if (extra_ != nullptr) d.answers(extra_);
      for (const Held& h : held_) d.holds(h.role.c_str(), h.object);
      if (weak_ != nullptr) d.holds("owner", weak_);
      d.counter("calls", calls_);
    });
  }

  void hold(const char* role, ComPtr<oskit_listener> object) { held_.push_back({role, object}); }
  void refer_to(oskit_listener* weak) { weak_ = weak; }  // a back pointer, no reference
  void answer_extra(const char* name) { extra_ = name; }

 protected:
  Part(std::string name, oskit_u64_t calls) : name_(std::move(name)), calls_(calls) {}

 private:
  struct Held {
    std::string role;
    ComPtr<oskit_listener> object;
  };
  std::string name_;
  oskit_u64_t calls_;
  std::vector<Held> held_;
  oskit_listener* weak_ = nullptr;
  const char* extra_ = nullptr;
};

struct Diamond {
  ComPtr<Part> a, b, c, d;
  ComPtr<Plain> e;
};

// a holds b and c, both hold d, c holds e (no description), d points back
// to a without a reference.
Diamond make_diamond() {
  Diamond s{make<Part>("a", 7), make<Part>("b", 1), make<Part>("c", 2), make<Part>("d", 3), make<Plain>()};
  s.a->answer_extra("test_control");
  s.a->hold("lower", s.b);
  s.a->hold("log", s.c);
  s.b->hold("disk", s.d);
  s.c->hold("disk", s.d);
  s.c->hold("sink", s.e);
  s.d->refer_to(s.a.get());
  return s;
}

oskit_iunknown* unknown(const ComPtr<Part>& p) { return static_cast<oskit_listener*>(p.get()); }

void append(void* ctx, const char* text, oskit_size_t length) { static_cast<std::string*>(ctx)->append(text, length); }

class PictureTest : public oskit::testing::LeakCheckedTest {};

TEST_F(PictureTest, TextShowsEachObjectOnceWithInterfacesHoldingsCountersAndReferences) {
  Diamond s = make_diamond();
  const oskit_u32_t refs_before = s.d->addref() - 1;
  s.d->release();
  auto text = oskit::picture::describe({unknown(s.a)});
  ASSERT_TRUE(text.ok()) << text.status();
  // The test holds one reference to each object besides those they hold.
  EXPECT_EQ(*text,
            "5 objects\n"
            "#1 part (a), 1 reference\n"
            "   answers: listener describe test_control\n"
            "   holds: #2 as lower #3 as log\n"
            "   counters: calls=7\n"
            "#2 part (b), 2 references\n"
            "   answers: listener describe\n"
            "   holds: #4 as disk\n"
            "   counters: calls=1\n"
            "#3 part (c), 2 references\n"
            "   answers: listener describe\n"
            "   holds: #4 as disk #5 as sink\n"
            "   counters: calls=2\n"
            "#4 part (d), 3 references\n"
            "   answers: listener describe\n"
            "   holds: #1 as owner\n"
            "   counters: calls=3\n"
            "#5 object, 2 references\n"
            "   answers: listener\n");
  const oskit_u32_t refs_after = s.d->addref() - 1;
  s.d->release();
  EXPECT_EQ(refs_after, refs_before) << "the walk gives back its references";
}

TEST_F(PictureTest, DotDrawsNodesAndLabelledEdges) {
  Diamond s = make_diamond();
  auto dot = oskit::picture::describe({unknown(s.a)}, OSKIT_PICTURE_DOT);
  ASSERT_TRUE(dot.ok()) << dot.status();
  EXPECT_EQ(dot->rfind("digraph oskit_stack {\n", 0), 0u) << *dot;
  EXPECT_NE(dot->find("  o1 [label=\"#1 part\\na\\nlistener, describe, test_control\\ncalls = 7\\nreferences = 1\"];"),
            std::string::npos)
      << *dot;
  for (const char* edge : {"o1 -> o2 [label=\"lower\"]", "o1 -> o3 [label=\"log\"]", "o2 -> o4 [label=\"disk\"]",
                           "o3 -> o4 [label=\"disk\"]", "o3 -> o5 [label=\"sink\"]", "o4 -> o1 [label=\"owner\"]"}) {
    EXPECT_NE(dot->find(edge), std::string::npos) << edge << " in\n" << *dot;
  }
  EXPECT_EQ(dot->substr(dot->size() - 2), "}\n");
}

// Graphviz accepts what DOT writes: dot renders it as a PNG.
TEST_F(PictureTest, GraphvizRendersTheDot) {
  Diamond s = make_diamond();
  auto dot = oskit::picture::describe({unknown(s.a)}, OSKIT_PICTURE_DOT);
  ASSERT_TRUE(dot.ok());
  const std::string dot_path = oskit::testing::temp_path("picture.dot");
  const std::string png_path = oskit::testing::temp_path("picture.png");
  std::ofstream(dot_path) << *dot;
  const char* argv[] = {"dot", "-Tpng", dot_path.c_str(), "-o", png_path.c_str(), nullptr};
  pid_t pid;
  const int spawned = posix_spawnp(&pid, "dot", nullptr, nullptr, const_cast<char* const*>(argv), environ);
  if (spawned == ENOENT) GTEST_SKIP() << "Graphviz's dot is not installed (Debian: apt-get install graphviz)";
  ASSERT_EQ(spawned, 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "dot refused:\n" << *dot;
  std::ifstream png(png_path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n");
  unlink(dot_path.c_str());
  unlink(png_path.c_str());
}

TEST_F(PictureTest, DotEscapesQuotesAndBackslashes) {
  ComPtr<Part> odd = make<Part>("say \"hi\" \\ bye", 0);
  auto dot = oskit::picture::describe({unknown(odd)}, OSKIT_PICTURE_DOT);
  ASSERT_TRUE(dot.ok());
  EXPECT_NE(dot->find("say \\\"hi\\\" \\\\ bye"), std::string::npos) << *dot;
}

TEST_F(PictureTest, SeveralRootsShareOnePicture) {
  Diamond s = make_diamond();
  ComPtr<Part> other = make<Part>("other", 0);
  other->hold("shared", s.d);
  auto text = oskit::picture::describe({unknown(s.b), unknown(other)});
  ASSERT_TRUE(text.ok());
  // b, d, a (through d's back pointer), then a's c, then other.
  EXPECT_EQ(text->rfind("6 objects\n#1 part (b)", 0), 0u) << *text;
  EXPECT_NE(text->find("(other), 1 reference\n   answers: listener describe\n   holds: #2 as shared\n"),
            std::string::npos)
      << *text;
}

TEST_F(PictureTest, AnObjectWithoutDescriptionIsAPlainNode) {
  ComPtr<Plain> plain = make<Plain>();
  auto text = oskit::picture::describe({static_cast<oskit_listener*>(plain.get())});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "1 object\n#1 object, 1 reference\n   answers: listener\n");
}

TEST_F(PictureTest, TheCApiRefusesBadArguments) {
  ComPtr<Plain> plain = make<Plain>();
  oskit_iunknown* roots[] = {static_cast<oskit_listener*>(plain.get())};
  oskit_iunknown* null_root[] = {nullptr};
  std::string out;
  EXPECT_EQ(oskit_picture_write(nullptr, 1, OSKIT_PICTURE_TEXT, append, &out), OSKIT_E_INVALIDARG);
  EXPECT_EQ(oskit_picture_write(roots, 0, OSKIT_PICTURE_TEXT, append, &out), OSKIT_E_INVALIDARG);
  EXPECT_EQ(oskit_picture_write(null_root, 1, OSKIT_PICTURE_TEXT, append, &out), OSKIT_E_INVALIDARG);
  EXPECT_EQ(oskit_picture_write(roots, 1, OSKIT_PICTURE_TEXT, nullptr, &out), OSKIT_E_INVALIDARG);
  EXPECT_EQ(oskit_picture_write(roots, 1, static_cast<oskit_picture_format_t>(7), append, &out), OSKIT_E_INVALIDARG);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(oskit_picture_write(roots, 1, OSKIT_PICTURE_TEXT, append, &out), 0);
  EXPECT_EQ(out, "1 object\n#1 object, 1 reference\n   answers: listener\n");
}

TEST_F(PictureTest, DescribeRefusesANullSink) {
  ComPtr<Part> p = make<Part>("p", 0);
  EXPECT_EQ(p->describe(nullptr), OSKIT_E_POINTER);
}

// Fails every allocation from the nth after arm(n) on.
class RunningOut : public oskit::env::CountingEnvironment {
 public:
  void arm(long n) { left_ = n; }
  void disarm() { left_ = -1; }
  void* allocate(std::size_t size, std::size_t align) noexcept override {
    return allocate_tagged(size, align, 0, nullptr);
  }
  void* allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags, const char* tag) noexcept override {
    if (left_ == 0) return nullptr;
    if (left_ > 0) --left_;
    return CountingEnvironment::allocate_tagged(size, align, flags, tag);
  }

 private:
  long left_ = -1;  // unarmed
};

// Every allocation the walk makes can fail: the call says OSKIT_ENOMEM,
// writes nothing, and gives back its memory and references.
TEST_F(PictureTest, RunningOutOfMemoryAtEachAllocationIsReportedAndCleanedUp) {
  RunningOut env;
  oskit::env::ScopedEnvironment scope(&env);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  Diamond s = make_diamond();
  const oskit_u32_t refs_before = s.d->addref() - 1;
  s.d->release();
  const long live_before = env.live_allocations();
  oskit_iunknown* roots[] = {unknown(s.a)};
  int failures = 0;
  for (long n = 0;; ++n) {
    std::string out;
    env.arm(n);
    const oskit_error_t rc = oskit_picture_write(roots, 1, OSKIT_PICTURE_DOT, append, &out);
    env.disarm();
    EXPECT_EQ(env.live_allocations(), live_before) << "after failing allocation " << n;
    const oskit_u32_t refs = s.d->addref() - 1;
    s.d->release();
    EXPECT_EQ(refs, refs_before);
    if (rc == 0) {
      EXPECT_FALSE(out.empty());
      break;
    }
    EXPECT_EQ(rc, OSKIT_ENOMEM) << "failing allocation " << n;
    EXPECT_TRUE(out.empty());
    ++failures;
    ASSERT_LT(n, 10000) << "the walk never succeeds";
  }
  EXPECT_GT(failures, 10);
}

}  // namespace
