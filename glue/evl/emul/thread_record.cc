#include "glue/evl/emul/thread_record.h"

#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "glue/evl/emul/gate.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {
namespace {

constexpr int kMaxChain = 1024;  // gates followed when a priority change propagates
constexpr __u32 kModeBits = T_WOSS | T_WOLI | T_WOSX | T_HMSIG | T_HMOBS;
constexpr __u32 kWarnBits = T_WOSS | T_WOLI | T_WOSX;
constexpr __u32 kNotifyBits = T_HMSIG | T_HMOBS;

thread_local ThreadRecord* tls_record = nullptr;

bool real_time(int policy) { return policy == SCHED_FIFO || policy == SCHED_RR; }

// The Linux policy standing for an EVL one: SCHED_WEAK threads run under the
// in-band scheduler's normal policy.
int host_policy_of(int policy) { return real_time(policy) ? policy : SCHED_OTHER; }

void apply_to_host(ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
  const int policy = host_policy_of(t->policy);
  const int prio = real_time(policy) ? t->prio : 0;
  if (t->detached || (policy == t->host_policy && prio == t->host_prio)) return;
  struct sched_param param = {};
  param.sched_priority = prio;
  // Refused without the right to real-time policies: the core's bookkeeping
  // still holds, the host scheduler just does not follow it.
  if (pthread_setschedparam(t->pthread, policy, &param) == 0) {
    t->host_policy = policy;
    t->host_prio = prio;
  }
}

int max_fifo_prio() { return sched_get_priority_max(SCHED_FIFO); }

}  // namespace

ThreadRecord::ThreadRecord(fundle_t h, Observable* obs)
    : handle(h), pthread(pthread_self()), tid(static_cast<pid_t>(syscall(SYS_gettid))), observable(obs) {
  int host = SCHED_OTHER;
  struct sched_param param = {};
  pthread_getschedparam(pthread_self(), &host, &param);
  MutexLock lock(&core_lock);
  host_policy = host;
  host_prio = param.sched_priority;
  base = {};
  if (real_time(host)) {
    base.sched_policy = host;
    base.sched_priority = param.sched_priority;
  } else {
    base.sched_policy = SCHED_WEAK;
    base.sched_priority = 0;
  }
  policy = base.sched_policy;
  prio = base.sched_priority;
  if (obs != nullptr) state |= T_OBSERV;
}

ThreadRecord* current_thread() { return tls_record; }

void set_current_thread(ThreadRecord* t) { tls_record = t; }

int weighted_prio(int policy, int prio) { return real_time(policy) ? prio : prio - 100; }

void update_priority(ThreadRecord* t) {
  for (int depth = 0; t != nullptr && depth < kMaxChain; depth++) {
    int policy = t->base.sched_policy;
    int prio = t->base.sched_priority;
    for (const Gate& g : t->owned) {
      int p, q;
      if (g.lends(&p, &q) && weighted_prio(p, q) > weighted_prio(policy, prio)) {
        policy = p;
        prio = q;
      }
    }
    if (policy == t->policy && prio == t->prio) return;
    t->policy = policy;
    t->prio = prio;
    if (policy != t->base.sched_policy || prio != t->base.sched_priority) {
      t->state |= T_BOOST;
    } else {
      t->state &= ~T_BOOST;
    }
    apply_to_host(t);
    Gate* g = t->waiting_for;
    if (g == nullptr || t->wait == nullptr || t->wait->queue == nullptr) return;
    g->waiter_moved(*t->wait);
    t = g->owner();
  }
}

int set_base_attrs(ThreadRecord* t, const struct evl_sched_attrs& attrs) {
  struct evl_sched_attrs next = {};
  switch (attrs.sched_policy) {
    case SCHED_FIFO:
    case SCHED_RR:
      if (attrs.sched_priority < 1 || attrs.sched_priority > max_fifo_prio()) return -EINVAL;
      next.sched_policy = attrs.sched_policy;
      next.sched_priority = attrs.sched_priority;
      break;
    case SCHED_OTHER:
    case SCHED_WEAK:
      if (attrs.sched_priority < 0 || attrs.sched_priority > max_fifo_prio()) return -EINVAL;
      if (attrs.sched_policy == SCHED_OTHER && attrs.sched_priority != 0) return -EINVAL;
      next.sched_policy = SCHED_WEAK;
      next.sched_priority = attrs.sched_priority;
      break;
    case SCHED_QUOTA:
    case SCHED_TP:
      return -EOPNOTSUPP;
    default:
      return -EINVAL;
  }
  t->base = next;
  t->policy = -1;  // forces the recomputation through
  update_priority(t);
  return 0;
}

void thread_state(ThreadRecord* t, struct evl_thread_state* statebuf) {
  *statebuf = {};
  statebuf->eattrs.sched_policy = t->policy;
  statebuf->eattrs.sched_priority = t->prio;
  statebuf->state = t->state | T_USER | (t->policy == SCHED_WEAK ? T_WEAK : 0) | (t->detached ? T_ZOMBIE : 0);
  if (t == current_thread()) statebuf->cpu = static_cast<__u32>(sched_getcpu());
  statebuf->isw = t->switches_inband.load(std::memory_order_relaxed);
  clockid_t cpu_clock;
  struct timespec run;
  if (!t->detached && pthread_getcpuclockid(t->pthread, &cpu_clock) == 0 && clock_gettime(cpu_clock, &run) == 0) {
    statebuf->xtime = static_cast<__u64>(run.tv_sec) * 1000000000ULL + static_cast<__u64>(run.tv_nsec);
  }
}

int update_mode(ThreadRecord* t, __u32 mask, bool set, __u32* oldmask) {
  if (mask & ~kModeBits) return -EINVAL;
  if (set) {
    if ((mask & T_HMOBS) && t->observable == nullptr) return -EINVAL;
    if (!(mask & kNotifyBits)) mask |= T_HMSIG;
  }
  *oldmask = t->mode;
  if (set) {
    t->mode |= mask;
  } else if (mask != 0) {
    t->mode &= ~mask;
    if (!(t->mode & kWarnBits)) {
      t->mode &= ~kNotifyBits;
    } else if (!(t->mode & kNotifyBits)) {
      t->mode &= ~kWarnBits;
    }
  }
  return 0;
}

void unblock(ThreadRecord* t) {
  if (t->wait != nullptr && !t->wait->woken()) t->wait->wake(-EINTR);
}

}  // namespace oskit::evl::emul
