// A hint for busy-wait loops: lets a sibling hardware thread run and saves
// power while spinning.
#ifndef GLUE_EVL_EMUL_CPU_RELAX_H
#define GLUE_EVL_EMUL_CPU_RELAX_H

namespace oskit::evl::emul {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_CPU_RELAX_H
