// Fuzzes devctl command words, their verification (oskit_devctl_verify), the
// Linux _IOC mapping and glue/devctl's dispatch against a reference model
// written from docs/design.md, section "devctl", and QNX's "io_devctl":
//   - a command word carries direction, a 14-bit size, a class and a number;
//   - verify: a to-driver command needs a writable opening and a from-driver
//     one a readable opening (EPERM), nbytes may not exceed the encoded size
//     (EINVAL), data may be NULL only when nbytes is 0 (EFAULT);
//   - _IOC: size, class and number at the same bits, the direction bits
//     swapped (Linux: write at bit 30, read at bit 31);
//   - dispatch: the first table entry matching the whole word, verified before
//     its handler runs; a handler's "not mine" and unknown commands go to the
//     default handler, which serves the generic flags and answers ENOTTY for
//     the rest; a refused call changes nothing.
#include <linux/ioctl.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "glue/devctl/devctl_server.h"
#include "oskit/error.h"
#include "oskit/io/devctl.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace oskit::fuzz {
namespace {

// ---------------------------------------------------------------- the model

struct Fields {
  bool to, from;
  std::uint32_t size, klass, number;
};

Fields model_fields(std::uint32_t dcmd) {
  return {(dcmd & 0x80000000u) != 0, (dcmd & 0x40000000u) != 0, (dcmd >> 16) & 0x3fffu, (dcmd >> 8) & 0xffu,
          dcmd & 0xffu};
}

oskit_error_t model_verify(std::uint32_t dcmd, bool data_present, std::uint64_t nbytes, std::uint32_t open_mode) {
  const Fields f = model_fields(dcmd);
  if (f.to && !(open_mode & OSKIT_DEVCTL_OPEN_WRITE)) return OSKIT_EPERM;
  if (f.from && !(open_mode & OSKIT_DEVCTL_OPEN_READ)) return OSKIT_EPERM;
  if (nbytes > f.size) return OSKIT_EINVAL;
  if (nbytes != 0 && !data_present) return OSKIT_EFAULT;
  return 0;
}

// ------------------------------------------------------ encoding and verify

std::uint32_t some_command(FuzzInput& in) {
  static constexpr std::uint32_t kDirs[] = {OSKIT_DEVDIR_NONE, OSKIT_DEVDIR_TO, OSKIT_DEVDIR_FROM, OSKIT_DEVDIR_TOFROM};
  static constexpr std::uint32_t kSizes[] = {0, 1, 4, 8, 16, 0x3fff};
  switch (in.pick(4)) {
    case 0:
      return in.u32();
    case 1:  // a generic command, possibly with another size or direction
      return OSKIT_DCMD(in.one_of(kDirs), 0x00, in.range(0, 3), in.one_of(kSizes));
    default:  // a small domain, so that tables and messages meet
      return OSKIT_DCMD(in.one_of(kDirs), in.range(0x0f, 0x11), in.range(0, 3), in.one_of(kSizes));
  }
}

std::uint64_t some_nbytes(FuzzInput& in, std::uint32_t dcmd) {
  const std::uint64_t len = OSKIT_DCMD_LEN(dcmd);
  switch (in.pick(6)) {
    case 0:
      return 0;
    case 1:
      return len;
    case 2:
      return len + 1;
    case 3:
      return len == 0 ? 0 : len - 1;
    case 4:
      return in.u16();
    default:
      return in.u64();
  }
}

void check_encoding(std::uint32_t dcmd) {
  const Fields f = model_fields(dcmd);
  FUZZ_CHECK_EQ(OSKIT_DCMD_DIR(dcmd), (f.to ? OSKIT_DEVDIR_TO : 0u) | (f.from ? OSKIT_DEVDIR_FROM : 0u), "dir");
  FUZZ_CHECK_EQ(OSKIT_DCMD_LEN(dcmd), f.size, "size");
  FUZZ_CHECK_EQ(OSKIT_DCMD_CLASS(dcmd), f.klass, "class");
  FUZZ_CHECK_EQ(OSKIT_DCMD_NUMBER(dcmd), f.number, "number");
  FUZZ_CHECK_EQ(OSKIT_DCMD_CODE(dcmd), (f.klass << 8) | f.number, "code");
  FUZZ_CHECK_EQ(OSKIT_DCMD_IS_RESERVED(dcmd), f.klass < 0x10, "the reserved range is codes 0x0000-0x0fff");
  // Building the word back from its fields gives the same word.
  FUZZ_CHECK_EQ(OSKIT_DCMD(OSKIT_DCMD_DIR(dcmd), f.klass, f.number, f.size), dcmd, "rebuilt word");
}

void check_ioc(std::uint32_t dcmd, std::uint64_t request) {
  const Fields f = model_fields(dcmd);
  const std::uint32_t ioc = oskit_devctl_to_ioc(dcmd);
  const std::uint32_t dir = (f.to ? _IOC_WRITE : 0u) | (f.from ? _IOC_READ : 0u);
  FUZZ_CHECK_EQ(_IOC_DIR(ioc), dir, "Linux direction of %#x", dcmd);
  FUZZ_CHECK_EQ(_IOC_SIZE(ioc), f.size, "Linux size of %#x", dcmd);
  FUZZ_CHECK_EQ(_IOC_TYPE(ioc), f.klass, "Linux type of %#x", dcmd);
  FUZZ_CHECK_EQ(_IOC_NR(ioc), f.number, "Linux number of %#x", dcmd);
  FUZZ_CHECK_EQ(ioc, static_cast<std::uint32_t>(_IOC(dir, f.klass, f.number, f.size)), "_IOC of %#x", dcmd);
  FUZZ_CHECK_EQ(oskit_devctl_from_ioc(ioc), dcmd, "round trip of %#x", dcmd);
  // Any request: only its low 32 bits carry a command, and they map back.
  const auto low = static_cast<std::uint32_t>(request);
  FUZZ_CHECK_EQ(oskit_devctl_from_ioc(static_cast<unsigned long>(request)), oskit_devctl_from_ioc(low), "request %#llx",
                static_cast<unsigned long long>(request));
  FUZZ_CHECK_EQ(oskit_devctl_to_ioc(oskit_devctl_from_ioc(low)), low, "round trip of request %#x", low);
}

void check_verify(FuzzInput& in) {
  const std::uint32_t dcmd = some_command(in);
  const std::uint64_t nbytes = some_nbytes(in, dcmd);
  const bool data_present = in.boolean();
  const std::uint32_t open_mode = in.boolean() ? in.u32() : in.range(0, 3);
  char byte = 0;
  const oskit_error_t rc =
      oskit_devctl_verify(dcmd, data_present ? &byte : nullptr, static_cast<oskit_size_t>(nbytes), open_mode);
  FUZZ_CHECK_EQ(rc, model_verify(dcmd, data_present, nbytes, open_mode), "verify(%#x, data %d, nbytes %llu, mode %#x)",
                dcmd, data_present, static_cast<unsigned long long>(nbytes), open_mode);
  check_encoding(dcmd);
  check_ioc(dcmd, in.u64());
}

// ---------------------------------------------------------------- dispatch

constexpr int kMaxEntries = 6;
constexpr std::size_t kDataBytes = 64;

enum class Behaviour { kServe, kFail, kDecline };

struct EntryPlan {
  std::uint32_t dcmd;
  Behaviour behaviour;
  oskit_s32_t ret_val;
  std::size_t reply_bytes;  // written back (up to nbytes) when it serves a from-driver command
  oskit_error_t error;
};

struct HandlerCall {
  int entry;
  oskit_devctl_msg seen;
};

// What the handlers and the flags hook act on.
struct Device {
  std::array<EntryPlan, kMaxEntries> plan{};
  std::vector<HandlerCall> calls;
  oskit_error_t hook_result = 0;
  int hook_calls = 0;
  oskit_u32_t hook_old = 0, hook_new = 0;
};

std::uint8_t reply_byte(int entry, std::size_t i) { return static_cast<std::uint8_t>(0xa0 + entry * 7 + i); }

template <int kEntry>
oskit_error_t handler(void* dev, oskit_devctl_msg* msg) {
  auto* d = static_cast<Device*>(dev);
  d->calls.push_back({kEntry, *msg});
  const EntryPlan& p = d->plan[kEntry];
  switch (p.behaviour) {
    case Behaviour::kFail:
      return p.error;
    case Behaviour::kDecline:
      return OSKIT_DEVCTL_DEFAULT;
    case Behaviour::kServe:
      break;
  }
  if (OSKIT_DCMD_DIR(msg->dcmd) & OSKIT_DEVDIR_FROM) {
    const std::size_t n = p.reply_bytes < msg->nbytes ? p.reply_bytes : msg->nbytes;
    for (std::size_t i = 0; i < n; ++i) static_cast<std::uint8_t*>(msg->data)[i] = reply_byte(kEntry, i);
    msg->out_nbytes = n;
  }
  msg->ret_val = p.ret_val;
  return 0;
}

constexpr oskit_devctl_handler_t kHandlers[kMaxEntries] = {handler<0>, handler<1>, handler<2>,
                                                           handler<3>, handler<4>, handler<5>};

oskit_error_t flags_hook(void* dev, oskit_u32_t old_flags, oskit_u32_t new_flags) {
  auto* d = static_cast<Device*>(dev);
  ++d->hook_calls;
  d->hook_old = old_flags;
  d->hook_new = new_flags;
  return d->hook_result;
}

// What dispatch should do with one message.
struct Expected {
  oskit_error_t rc = 0;
  int handler = -1;  // the entry whose handler runs
  oskit_s32_t ret_val = 0;
  oskit_size_t out_nbytes = 0;
  std::vector<std::uint8_t> data;  // the caller's buffer afterwards
  oskit_u32_t flags = 0;
  bool hook_called = false;
};

// The default handler's part: the generic flags, verified like any command.
oskit_error_t model_default(const oskit_devctl_msg& msg, bool has_generic, bool has_hook, const Device& dev,
                            Expected* e) {
  if (!has_generic || OSKIT_DCMD_CODE(msg.dcmd) > 0x0fff) return OSKIT_DEVCTL_DEFAULT;
  if (msg.dcmd != OSKIT_DCMD_ALL_GETFLAGS && msg.dcmd != OSKIT_DCMD_ALL_SETFLAGS) return OSKIT_DEVCTL_DEFAULT;
  oskit_error_t rc = model_verify(msg.dcmd, msg.data != nullptr, msg.nbytes, msg.open_mode);
  if (rc != 0) return rc;
  if (msg.nbytes != sizeof(oskit_u32_t)) return OSKIT_EINVAL;
  if (msg.dcmd == OSKIT_DCMD_ALL_GETFLAGS) {
    std::memcpy(e->data.data(), &e->flags, sizeof e->flags);
    e->out_nbytes = sizeof e->flags;
    return 0;
  }
  oskit_u32_t flags;
  std::memcpy(&flags, e->data.data(), sizeof flags);
  if (flags & ~OSKIT_DEVCTL_F_KNOWN) return OSKIT_EINVAL;
  if (has_hook && flags != e->flags) {
    e->hook_called = true;
    if (dev.hook_result != 0) return dev.hook_result;
  }
  e->flags = flags;
  return 0;
}

Expected model_dispatch(const std::vector<EntryPlan>& table, const oskit_devctl_msg& msg, bool has_generic,
                        bool has_hook, oskit_u32_t flags, const Device& dev) {
  Expected e;
  e.flags = flags;
  if (msg.data != nullptr) {
    const auto* p = static_cast<const std::uint8_t*>(msg.data);
    e.data.assign(p, p + kDataBytes);
  }
  oskit_error_t rc = OSKIT_DEVCTL_DEFAULT;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].dcmd != msg.dcmd) continue;
    rc = model_verify(msg.dcmd, msg.data != nullptr, msg.nbytes, msg.open_mode);
    if (rc != 0) {
      e.rc = rc;
      return e;
    }
    const EntryPlan& p = table[i];
    e.handler = static_cast<int>(i);
    if (p.behaviour == Behaviour::kFail) rc = p.error;
    if (p.behaviour == Behaviour::kDecline) rc = OSKIT_DEVCTL_DEFAULT;
    if (p.behaviour == Behaviour::kServe) {
      rc = 0;
      e.ret_val = p.ret_val;
      if (OSKIT_DCMD_DIR(msg.dcmd) & OSKIT_DEVDIR_FROM) {
        const std::size_t n = p.reply_bytes < msg.nbytes ? p.reply_bytes : msg.nbytes;
        for (std::size_t k = 0; k < n; ++k) e.data[k] = reply_byte(static_cast<int>(i), k);
        e.out_nbytes = n;
      }
    }
    break;
  }
  if (rc == OSKIT_DEVCTL_DEFAULT) rc = model_default(msg, has_generic, has_hook, dev, &e);
  e.rc = rc == OSKIT_DEVCTL_DEFAULT ? OSKIT_ENOTTY : rc;
  return e;
}

EntryPlan some_entry(FuzzInput& in) {
  static constexpr oskit_error_t kErrors[] = {OSKIT_EIO, OSKIT_EBUSY, OSKIT_EINVAL, OSKIT_ENOTTY, OSKIT_EAGAIN};
  EntryPlan p{};
  p.dcmd = some_command(in);
  p.behaviour = static_cast<Behaviour>(in.pick(3));
  p.ret_val = static_cast<oskit_s32_t>(in.u16());
  p.reply_bytes = in.range(0, 20);
  p.error = in.one_of(kErrors);
  return p;
}

void check_dispatch(FuzzInput& in) {
  Device dev;
  std::vector<EntryPlan> table_plan(in.range(0, kMaxEntries));
  std::vector<oskit_devctl_command> table;
  for (std::size_t i = 0; i < table_plan.size(); ++i) {
    table_plan[i] = some_entry(in);
    dev.plan[i] = table_plan[i];
    table.push_back({table_plan[i].dcmd, kHandlers[i]});
  }
  const bool has_generic = in.pick(4) != 0;
  const bool has_hook = in.boolean();
  dev.hook_result = in.boolean() ? 0 : OSKIT_EIO;
  oskit_devctl_generic generic{static_cast<oskit_u32_t>(in.range(0, 1)), has_hook ? flags_hook : nullptr};

  for (int round = in.range(1, 8); round > 0 && !in.empty(); --round) {
    std::uint32_t dcmd;
    switch (in.pick(4)) {
      case 0:
        dcmd = in.boolean() ? OSKIT_DCMD_ALL_GETFLAGS : OSKIT_DCMD_ALL_SETFLAGS;
        break;
      case 1:
        dcmd = some_command(in);
        break;
      default:
        dcmd = table.empty() ? some_command(in) : table[in.pick(table.size())].dcmd;
        break;
    }
    std::uint64_t nbytes = some_nbytes(in, dcmd);
    if (nbytes > kDataBytes) nbytes = in.boolean() ? kDataBytes : nbytes;
    const bool data_present = nbytes <= kDataBytes && in.pick(5) != 0;
    std::array<std::uint8_t, kDataBytes> data;
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = in.boolean() ? in.u8() : 0;
    const std::uint32_t open_mode = static_cast<std::uint32_t>(in.range(0, 3));

    oskit_devctl_msg msg{dcmd, data_present ? data.data() : nullptr, static_cast<oskit_size_t>(nbytes), open_mode, -7,
                         99};
    const oskit_u32_t flags_before = generic.flags;
    const Expected e = model_dispatch(table_plan, msg, has_generic, has_hook, flags_before, dev);
    dev.calls.clear();
    const int hook_calls_before = dev.hook_calls;
    const oskit_error_t rc =
        oskit_devctl_dispatch(table.data(), table.size(), &dev, has_generic ? &generic : nullptr, &msg);

    FUZZ_CHECK_EQ(rc, e.rc, "dispatch of %#x, nbytes %llu, data %d, mode %u", dcmd,
                  static_cast<unsigned long long>(nbytes), data_present, open_mode);
    if (e.handler < 0) {
      FUZZ_CHECK(dev.calls.empty(), "no handler may run for %#x (a refused or unknown command)", dcmd);
    } else {
      FUZZ_CHECK_EQ(dev.calls.size(), 1u, "one handler call for %#x", dcmd);
      const HandlerCall& call = dev.calls[0];
      FUZZ_CHECK_EQ(call.entry, e.handler, "the first entry matching %#x runs", dcmd);
      FUZZ_CHECK(call.seen.dcmd == dcmd && call.seen.data == msg.data && call.seen.nbytes == nbytes &&
                     call.seen.open_mode == open_mode,
                 "the handler sees the message as sent");
      FUZZ_CHECK(call.seen.ret_val == 0 && call.seen.out_nbytes == 0, "a handler starts from ret_val 0, out_nbytes 0");
    }
    if (rc == 0) {
      FUZZ_CHECK_EQ(msg.ret_val, e.ret_val, "ret_val of %#x", dcmd);
      FUZZ_CHECK_EQ(msg.out_nbytes, e.out_nbytes, "out_nbytes of %#x", dcmd);
    } else if (e.handler < 0) {
      FUZZ_CHECK(msg.ret_val == 0 && msg.out_nbytes == 0, "a refused %#x reports no result", dcmd);
    }
    if (data_present) {
      FUZZ_CHECK(std::memcmp(data.data(), e.data.data(), kDataBytes) == 0, "the caller's data after %#x", dcmd);
    }
    FUZZ_CHECK_EQ(generic.flags, e.flags, "generic flags after %#x", dcmd);
    FUZZ_CHECK_EQ(dev.hook_calls - hook_calls_before, e.hook_called ? 1 : 0, "flags hook calls for %#x", dcmd);
    if (e.hook_called) {
      oskit_u32_t asked;
      std::memcpy(&asked, msg.data, sizeof asked);
      FUZZ_CHECK(dev.hook_old == flags_before && dev.hook_new == asked, "the hook is told old and new flags");
    }
  }
}

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  oskit::fuzz::FuzzInput in(data, size);
  const int verifies = static_cast<int>(in.range(0, 16));
  for (int i = 0; i < verifies && !in.empty(); ++i) oskit::fuzz::check_verify(in);
  if (!in.empty()) oskit::fuzz::check_dispatch(in);
  return 0;
}
