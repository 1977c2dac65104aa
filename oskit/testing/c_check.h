/* CHECK for tests written in C (C99): reports a false condition with its
 * place and counts it; the test's main returns check_result(). One
 * translation unit per test program. */
#ifndef OSKIT_TESTING_C_CHECK_H
#define OSKIT_TESTING_C_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
      check_failures++;                                          \
    }                                                            \
  } while (0)

/* 0 when every CHECK held, else 1 (a process exit status). */
static inline int check_result(void) {
  if (check_failures == 0) printf("all C checks passed\n");
  return check_failures == 0 ? 0 : 1;
}

#endif /* OSKIT_TESTING_C_CHECK_H */
