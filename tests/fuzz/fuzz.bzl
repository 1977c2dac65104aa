"""Fuzz targets that also run as ordinary tests over their seed corpus."""

def fuzz_test(name, corpus, srcs, deps = [], **kwargs):
    """A fuzz target checked against a reference model.

    Without --config=fuzz it is a cc_test whose main (//tests/fuzz:corpus_main)
    feeds every file of <corpus>/corpus to LLVMFuzzerTestOneInput once. Under
    --config=fuzz it links libFuzzer, and `bazel test` runs the corpus through
    it once (-runs=0); .ci/run fuzzes with the same binary for a bounded time.

    Args:
      name: the target.
      corpus: the folder under tests/fuzz holding corpus/.
      srcs: the target's sources (one defines LLVMFuzzerTestOneInput).
      deps: what they need.
      **kwargs: passed to cc_test.
    """
    native.cc_test(
        name = name,
        srcs = srcs,
        deps = deps + ["//tests/fuzz:fuzz_support"] + select({
            "//tests/fuzz:libfuzzer": [],
            "//conditions:default": ["//tests/fuzz:corpus_main"],
        }),
        linkopts = select({
            "//tests/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        args = select({
            "//tests/fuzz:libfuzzer": ["-runs=0"],
            "//conditions:default": [],
        }) + ["tests/fuzz/%s/corpus" % corpus],
        data = native.glob([corpus + "/corpus/*"]),
        **kwargs
    )
