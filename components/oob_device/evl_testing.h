// Test helpers for components over glue/evl: the library initialised once per
// test program, and bodies run on attached EVL threads.
#ifndef COMPONENTS_OOB_DEVICE_EVL_TESTING_H
#define COMPONENTS_OOB_DEVICE_EVL_TESTING_H

#include <functional>
#include <string>

namespace oskit::evl::testing {

// evl_init() once for the program, with the emulated /dev/evl under the
// test's temporary directory. Fails the calling test if it cannot.
void init_evl();

// Runs body on a new thread attached to the EVL core (a unique name is made
// from prefix) and waits for it to end. Fails the calling test if the thread
// cannot start or attach.
void run_on_evl_thread(const std::string& prefix, std::function<void()> body);

// A name unique in this program: prefix, the process id and a counter.
std::string unique_name(const std::string& prefix);

}  // namespace oskit::evl::testing

#endif  // COMPONENTS_OOB_DEVICE_EVL_TESTING_H
