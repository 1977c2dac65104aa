#include "examples/harness/campaign.h"

#include <string.h>

/* Adds tag to a set of at most HARNESS_MAX_PATHS tags. */
static void note_tag(const char **tags, unsigned *n, const char *tag) {
  unsigned i;
  if (tag == NULL) tag = "(untagged)";
  for (i = 0; i < *n; ++i) {
    if (strcmp(tags[i], tag) == 0) return;
  }
  if (*n < HARNESS_MAX_PATHS) tags[(*n)++] = tag;
}

/* One run with the faults armed; returns 1 when nothing failed on purpose. */
static int one_run(struct harness *h, harness_scenario_t fn, void *arg, struct harness_campaign *c, int threads) {
  struct harness_stats before, after;
  oskit_error_t rc;
  int failed;
  harness_get_stats(h, &before);
  rc = fn(h, arg);
  harness_get_stats(h, &after);
  harness_faults_off(h);
  failed =
      threads ? after.threads_refused != before.threads_refused : after.failed_allocations != before.failed_allocations;
  c->runs++;
  if (!harness_all_returned(h)) c->leaky_runs++;
  if (!failed) {
    c->clean_result = rc;
    c->allocations = after.allocations - before.allocations;
    c->thread_starts = after.threads_started - before.threads_started;
    return 1;
  }
  c->injected++;
  if (!threads) note_tag(c->paths, &c->npaths, after.last_failed_tag);
  if (rc == OSKIT_ENOMEM || (threads && rc == OSKIT_EAGAIN)) {
    c->surfaced++;
  } else if (rc == 0) {
    note_tag(c->absorbed_paths, &c->nabsorbed_paths, after.last_failed_tag);
    c->absorbed++;
  } else {
    if (c->wrong_error == 0) {
      c->first_wrong_error = rc;
      c->first_wrong_tag = threads ? "thread start" : after.last_failed_tag;
    }
    c->wrong_error++;
  }
  return 0;
}

int harness_campaign_run(struct harness *h, harness_scenario_t fn, void *arg, struct harness_campaign *out) {
  unsigned long k;
  memset(out, 0, sizeof *out);
  for (k = 1;; ++k) {
    harness_fail_nth(h, k);
    if (one_run(h, fn, arg, out, 0)) break;
  }
  for (k = 1;; ++k) {
    harness_fail_thread_nth(h, k);
    if (one_run(h, fn, arg, out, 1)) break;
  }
  return out->clean_result == 0 && out->wrong_error == 0 && out->leaky_runs == 0 ? 0 : -1;
}

void harness_campaign_print(const char *name, const struct harness_campaign *c, FILE *f) {
  unsigned i;
  fprintf(f, "campaign %s: %lu runs; %lu allocations and %lu thread starts in a clean run\n", name, c->runs,
          c->allocations, c->thread_starts);
  fprintf(f,
          "campaign %s: %lu failures injected: %lu reported out-of-memory, %lu absorbed, %lu other errors; "
          "%lu runs leaked\n",
          name, c->injected, c->surfaced, c->absorbed, c->wrong_error, c->leaky_runs);
  if (c->wrong_error != 0) {
    fprintf(f, "campaign %s: first other error: %s after failing \"%s\"\n", name,
            oskit_error_string(c->first_wrong_error), c->first_wrong_tag ? c->first_wrong_tag : "?");
  }
  fprintf(f, "campaign %s: %u allocation paths failed:", name, c->npaths);
  for (i = 0; i < c->npaths; ++i) fprintf(f, "%s %s", i ? "," : "", c->paths[i]);
  fprintf(f, "\n");
  if (c->nabsorbed_paths != 0) {
    fprintf(f, "campaign %s: failures absorbed (the scenario went on another way) at:", name);
    for (i = 0; i < c->nabsorbed_paths; ++i) fprintf(f, "%s %s", i ? "," : "", c->absorbed_paths[i]);
    fprintf(f, "\n");
  }
}
