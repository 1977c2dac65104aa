"""Layered libraries: the build checks the dependency rule of docs/design.md.

    examples, tests, bench -> components -> glue -> oskit

A library of a layer may depend on its own layer's packages below it and on
the layers under it, never above; a component library never depends on
another component (components meet through interfaces). Each macro here
declares a cc_library and a check target that fails the build, with a
message naming the offending path, when the rule is broken.
"""

_LAYERS = {
    "oskit": 0,
    "glue": 1,
    "components": 2,
}

def _layer_of(label):
    return label.package.split("/")[0]

_DepsInfo = provider(
    doc = "The labels a target reaches through deps, with one path to each.",
    fields = {"labels": "depset of labels"},
)

def _collect_impl(target, ctx):
    transitive = []
    for dep in getattr(ctx.rule.attr, "deps", []):
        if _DepsInfo in dep:
            transitive.append(dep[_DepsInfo].labels)
    return [_DepsInfo(labels = depset(direct = [target.label], transitive = transitive))]

_collect = aspect(
    implementation = _collect_impl,
    attr_aspects = ["deps"],
)

def _violation(owner, dep):
    # Another repository holds the system libraries: any layer may use them.
    # (This one may itself be an external repository of a project using it.)
    if dep.workspace_name != owner.workspace_name or dep == owner:
        return None
    own_layer = _layer_of(owner)
    dep_layer = _layer_of(dep)
    if dep_layer not in _LAYERS:
        return "%s (layer %s) depends on %s, which is above every library layer" % (owner, own_layer, dep)
    if _LAYERS[dep_layer] > _LAYERS[own_layer]:
        return "%s (layer %s) depends on %s (layer %s): dependencies point down, %s" % (
            owner,
            own_layer,
            dep,
            dep_layer,
            "examples, tests, bench -> components -> glue -> oskit",
        )
    if own_layer == "components" and dep_layer == "components" and dep.package != owner.package:
        return "component %s depends on another component, %s: go through an interface or a glue library" % (owner, dep)
    return None

def _layer_check_impl(ctx):
    errors = []
    for target in ctx.attr.libraries:
        for dep in target[_DepsInfo].labels.to_list():
            problem = _violation(target.label, dep)
            if problem:
                errors.append(problem)
    if errors:
        fail("layering violated:\n  " + "\n  ".join(errors))
    out = ctx.actions.declare_file(ctx.label.name + ".ok")
    ctx.actions.write(out, "layering checked\n")
    return [DefaultInfo(files = depset([out]))]

layer_check = rule(
    implementation = _layer_check_impl,
    attrs = {
        "libraries": attr.label_list(aspects = [_collect], mandatory = True),
    },
    doc = "Fails the build when a library reaches above its layer or sideways into another component.",
)

def _checked_library(name, visibility, emulation_only = False, **kwargs):
    if emulation_only:
        kwargs["target_compatible_with"] = select({
            "//glue/evl:use_libevl": ["//tools/build:emulation_only"],
            "//conditions:default": [],
        })
    native.cc_library(name = name, visibility = visibility, **kwargs)
    layer_check(
        name = name + "_layering",
        libraries = [":" + name],
        testonly = kwargs.get("testonly", False),
        target_compatible_with = kwargs.get("target_compatible_with", []),
    )

def component_library(name, **kwargs):
    """A component's library: public, linked whole (its factories are C symbols).

    Args:
      name: the component's name, usually its folder's.
      **kwargs: cc_library arguments. emulation_only = True when it needs
        glue/evl's emulation (skipped under --config=libevl).
    """
    kwargs.setdefault("alwayslink", True)
    _checked_library(name, visibility = kwargs.pop("visibility", ["//visibility:public"]), **kwargs)

def glue_library(name, visibility, **kwargs):
    """A glue library; visibility names who may use it (glue internals are not public)."""
    _checked_library(name, visibility = visibility, **kwargs)

def contract_library(name, **kwargs):
    """A library of the oskit/ contract: public, depending on nothing above it."""
    _checked_library(name, visibility = kwargs.pop("visibility", ["//visibility:public"]), **kwargs)
