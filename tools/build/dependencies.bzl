"""What a workspace using oskit-io as an external repository declares.

    local_repository(name = "oskit_io", path = "...")
    load("@oskit_io//tools/build:dependencies.bzl", "oskit_io_dependencies")
    oskit_io_dependencies()

oskit-io's libraries depend on @system, the system libraries of Debian's
-dev packages (third_party/system.BUILD). A workspace that declares its own
@system for something else maps oskit-io's to another name instead, with
local_repository's repo_mapping = {"@system": "@NAME"}, and calls
oskit_io_dependencies(name = "NAME").
"""

def oskit_io_dependencies(name = "system"):
    if not native.existing_rule(name):
        native.new_local_repository(
            name = name,
            build_file = str(Label("//third_party:system.BUILD")),
            path = "/usr",
        )
