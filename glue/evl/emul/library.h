// The emulated library's state: initialisation (evl_init) and the directory
// standing for /dev/evl.
#ifndef GLUE_EVL_EMUL_LIBRARY_H
#define GLUE_EVL_EMUL_LIBRARY_H

#include <string>

namespace oskit::evl::emul {

bool initialised();
// Initialises once: starts the readiness relay, then creates the stdout and
// stderr proxies. 0 or -errno.
int ensure_init();

// The directory standing for /dev/evl.
std::string root_dir();
// Sets it: 0, or -EINVAL, -ENAMETOOLONG, -EBUSY once initialised.
int set_root(const char* dir);

// Creates the stdout/stderr proxies (api.cc).
int setup_std_proxies();

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_LIBRARY_H
