/* Settings of the emulation. Usable from C and C++. */
#ifndef GLUE_EVL_CONFIG_H
#define GLUE_EVL_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the directory standing for /dev/evl (public elements appear under
 * <root>/proxy/). Default: $OSKIT_EVL_ROOT, else /tmp/evl. Returns 0, or
 * -EBUSY once evl_init() has run, -EINVAL for NULL, -ENAMETOOLONG. */
int oskit_evl_set_root(const char *dir);

/* The directory standing for /dev/evl. */
const char *oskit_evl_root(void);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_CONFIG_H */
