/* Settings of the emulation. Usable from C and C++. */
#ifndef GLUE_EVL_CONFIG_H
#define GLUE_EVL_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the directory standing for /dev/evl (a public element appears as
 * <root>/<type>/<name>). Default: $OSKIT_EVL_ROOT, else /dev/evl when the
 * process may create it there (as root), else /tmp/evl. Returns 0, or -EBUSY
 * once evl_init() has run, -EINVAL for NULL, -ENAMETOOLONG. */
int oskit_evl_set_root(const char *dir);

/* The directory standing for /dev/evl. */
const char *oskit_evl_root(void);

/* Stops the emulated EVL core, as `evl stop` stops a real one: creating any
 * element (a thread attaching included) then fails with -ENXIO; existing
 * elements keep working. Returns 0 (also when already stopped), or -EBUSY
 * while threads are attached (a real core would kill them). */
int oskit_evl_core_stop(void);

/* Starts the emulated core again (`evl start`). Returns 0. */
int oskit_evl_core_start(void);

/* 1 while the core runs (the initial state), 0 while it is stopped. */
int oskit_evl_core_running(void);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_CONFIG_H */
