"""Installable libraries: every object file of a set of cc_library targets and
of the libraries of this workspace they depend on, archived whole (lib<name>.a)
and linked into one shared library with a soname (lib<name>.so.<soversion>).
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

DistLibraryInfo = provider(
    doc = "What an installable library holds, so that a library linked against it leaves it out.",
    fields = {
        "objects": "depset of the object files archived and linked into it",
        "shared_library": "File: the linked shared library",
    },
)

def _objects_and_flags(deps, excluded_objects):
    cc_info = cc_common.merge_cc_infos(cc_infos = [dep[CcInfo] for dep in deps])
    objects = []
    seen = {}
    flags = []
    for linker_input in cc_info.linking_context.linker_inputs.to_list():
        for flag in linker_input.user_link_flags:
            if flag not in flags:
                flags.append(flag)
        if linker_input.owner.workspace_name != "":
            continue  # a system library, linked by its flags
        for library in linker_input.libraries:
            for obj in library.pic_objects or library.objects or []:
                if obj.path not in seen and obj not in excluded_objects:
                    seen[obj.path] = True
                    objects.append(obj)
    return objects, flags

def _dist_library_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    excluded_objects = {}
    shared_deps = []
    for lib in ctx.attr.link_against:
        info = lib[DistLibraryInfo]
        for obj in info.objects.to_list():
            excluded_objects[obj] = True
        shared_deps.append(info.shared_library)
    objects, flags = _objects_and_flags(ctx.attr.deps, excluded_objects)

    base = "lib" + ctx.attr.library_name
    archive = ctx.actions.declare_file(base + ".a")
    ar = cc_common.get_tool_for_action(feature_configuration = features, action_name = "c++-link-static-library")
    ar_args = ctx.actions.args()
    ar_args.add("qcsD")  # append (same-named members stay apart), index, deterministic
    ar_args.add(archive)
    ar_args.add_all(objects)
    ctx.actions.run(
        executable = ar,
        arguments = [ar_args],
        inputs = depset(objects, transitive = [cc_toolchain.all_files]),
        outputs = [archive],
        use_default_shell_env = True,
        mnemonic = "DistArchive",
        progress_message = "Archiving %s" % archive.short_path,
    )

    soname = "%s.so.%s" % (base, ctx.attr.soversion)
    shared = ctx.actions.declare_file("%s.so.%s" % (base, ctx.attr.version))
    linker = cc_common.get_tool_for_action(feature_configuration = features, action_name = "c++-link-dynamic-library")
    link_args = ctx.actions.args()
    link_args.add_all([
        "-shared",
        "-o",
        shared,
        "-Wl,-soname," + soname,
        "-Wl,--no-undefined",
        "-Wl,-z,relro",
        "-Wl,-z,now",
        "-Wl,--as-needed",
    ])
    link_args.add_all(objects)
    link_args.add_all(shared_deps)
    link_args.add_all(flags)
    link_args.add_all(["-lstdc++", "-lm", "-pthread"])
    ctx.actions.run(
        executable = linker,
        arguments = [link_args],
        inputs = depset(objects + shared_deps, transitive = [cc_toolchain.all_files]),
        outputs = [shared],
        use_default_shell_env = True,
        mnemonic = "DistLink",
        progress_message = "Linking %s" % shared.short_path,
    )

    flags_file = ctx.actions.declare_file(base + ".link_flags")
    ctx.actions.write(flags_file, "".join([flag + "\n" for flag in flags]))
    return [
        DefaultInfo(files = depset([archive, shared, flags_file])),
        DistLibraryInfo(
            objects = depset(objects, transitive = [lib[DistLibraryInfo].objects for lib in ctx.attr.link_against]),
            shared_library = shared,
        ),
    ]

dist_library = rule(
    implementation = _dist_library_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo], mandatory = True, doc = "the libraries whose objects it holds, with their dependencies in this workspace"),
        "link_against": attr.label_list(providers = [DistLibraryInfo], doc = "installable libraries it depends on: their objects are left out and their shared libraries linked"),
        "library_name": attr.string(mandatory = True, doc = "NAME of libNAME.a and libNAME.so"),
        "version": attr.string(mandatory = True, doc = "the shared library's file version, X.Y.Z"),
        "soversion": attr.string(mandatory = True, doc = "the ABI version in the soname"),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
    doc = "A static and a shared library holding whole the objects of deps (see the file's docstring).",
)
