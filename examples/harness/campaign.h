/*
 * Allocation-failure campaigns (docs/embedding.md): a scenario runs again and
 * again with its 1st, 2nd, 3rd... allocation failing, until a run completes
 * with nothing left to fail. Each run must end with the failure reported to
 * the scenario as out-of-memory (OSKIT_ENOMEM, which is OSKIT_E_OUTOFMEMORY;
 * -ENOMEM from libevl calls is mapped to it) and with everything given back:
 * no block, thread, interrupt line or COM object outstanding. Thread starts
 * get the same treatment; a refused one may also surface as OSKIT_EAGAIN,
 * the error the environment refuses it with.
 */
#ifndef EXAMPLES_HARNESS_CAMPAIGN_H
#define EXAMPLES_HARNESS_CAMPAIGN_H

#include <stdio.h>

#include "examples/harness/harness.h"

OSKIT_BEGIN_DECLS

/* A scenario: builds a stack on the installed harness, uses it, takes it
 * down; returns 0 or the first error met (having released everything). */
typedef oskit_error_t (*harness_scenario_t)(struct harness *h, void *arg);

#define HARNESS_MAX_PATHS 64

struct harness_campaign {
  unsigned long runs;                   /* runs made, the last one without a failure */
  unsigned long injected;               /* runs in which an allocation (or thread) failed */
  unsigned long surfaced;               /* ... and the scenario got out-of-memory (or EAGAIN for a thread) */
  unsigned long absorbed;               /* ... and the scenario still succeeded */
  unsigned long wrong_error;            /* ... and the scenario got another error */
  unsigned long leaky_runs;             /* runs leaving something outstanding */
  unsigned long allocations;            /* allocations of the run without failure */
  unsigned long thread_starts;          /* thread starts of that run */
  oskit_error_t clean_result;           /* what that run returned (0) */
  const char *paths[HARNESS_MAX_PATHS]; /* distinct tags of the failed allocations */
  unsigned npaths;
  const char *absorbed_paths[HARNESS_MAX_PATHS]; /* those of the absorbed ones */
  unsigned nabsorbed_paths;
  const char *first_wrong_tag; /* the failed allocation behind the first wrong error */
  oskit_error_t first_wrong_error;
};

/* Runs the campaign over fn on the installed harness h. Returns 0 when every
 * run behaved (each injected failure surfaced, or was absorbed, and nothing
 * leaked), -1 otherwise. */
int harness_campaign_run(struct harness *h, harness_scenario_t fn, void *arg, struct harness_campaign *out);

/* Prints the campaign's figures under name. */
void harness_campaign_print(const char *name, const struct harness_campaign *c, FILE *f);

OSKIT_END_DECLS

#endif /* EXAMPLES_HARNESS_CAMPAIGN_H */
