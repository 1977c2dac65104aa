// Whether the process can access a caller's buffer, as the kernel's
// copy_from_user/copy_to_user find out: EVL's out-of-band calls return EFAULT
// for a buffer they cannot read or write (the EVL documentation's
// "Out-of-band I/O services" page) instead of crashing the caller.
//
// Each page of the range is probed by an instruction whose fault a SIGSEGV /
// SIGBUS handler turns into a failed probe (the kernel's exception-table
// technique): no system call for an accessible buffer. The handler passes
// every other fault to the handler installed before it. On architectures
// without the probe instructions, and in builds with AddressSanitizer or
// ThreadSanitizer (whose runtimes own SIGSEGV), the check reads (and
// rewrites) one byte per page through process_vm_readv/process_vm_writev.
#ifndef GLUE_EVL_EMUL_USER_ACCESS_H
#define GLUE_EVL_EMUL_USER_ACCESS_H

#include <cstddef>

namespace oskit::evl::emul {

// Installs the fault handler (once; later calls do nothing). Called when the
// emulation opens a file, so that calls on files never install it.
void install_user_access();

// Whether every byte of [ptr, ptr + len) can be read / written now.
bool user_readable(const void* ptr, std::size_t len);
bool user_writable(void* ptr, std::size_t len);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_USER_ACCESS_H
