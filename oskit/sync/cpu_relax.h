// A hint for busy-wait loops: lets a sibling hardware thread run and saves
// power while spinning.
#ifndef OSKIT_SYNC_CPU_RELAX_H
#define OSKIT_SYNC_CPU_RELAX_H

namespace oskit {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace oskit

#endif  // OSKIT_SYNC_CPU_RELAX_H
