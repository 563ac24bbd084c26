"""Recipe variables, replaced the way the Greengrass nucleus replaces them.

The nucleus finds ``{namespace:key}`` with the pattern
``\\{([.\\w]+):([^:}]+)\\}``, replaces those, then finds
``{Component:namespace:key}`` with ``\\{([.\\w]+):([.\\w]+):([^:}]+)\\}``.
Namespaces: ``artifacts`` (``path``, ``decompressedPath``), ``work``
(``path``), ``kernel`` (``rootPath``), ``iot`` (``thingName``) and
``configuration`` (a JSON pointer into the component's merged configuration;
a value is its text, ``true``/``false`` for booleans, and compact JSON for a
mapping or list). The cross-component form reaches only direct dependencies.

Shell text such as ``${PYTHONPATH:+:$PYTHONPATH}`` does not match either
pattern. Where the nucleus logs an error and leaves a placeholder as it is
(unknown namespace, missing configuration key, a component that is not a
dependency), :func:`interpolate` raises, so a broken recipe fails here first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAME_COMPONENT = re.compile(r"\{([.\w]+):([^:}]+)\}")
CROSS_COMPONENT = re.compile(r"\{([.\w]+):([.\w]+):([^:}]+)\}")


class InterpolationError(ValueError):
    """A recipe variable the nucleus would not replace; the text quotes it."""


@dataclass(frozen=True)
class ComponentPaths:
    """Where the nucleus keeps one component's files."""

    artifacts: Path
    decompressed: Path
    work: Path


@dataclass(frozen=True)
class Scope:
    """What a component's recipe variables can refer to.

    Args:
        name: the component the lifecycle belongs to.
        configuration: its merged configuration.
        paths: its artifact, unpacked-artifact and work folders.
        root: the nucleus root folder (``{kernel:rootPath}``).
        thing_name: the core device's thing name (``{iot:thingName}``).
        dependencies: direct dependencies by name, each with its own scope.
    """

    name: str
    configuration: dict[str, Any]
    paths: ComponentPaths
    root: Path
    thing_name: str
    dependencies: dict[str, Scope] = field(default_factory=dict)


def configuration_text(value: Any) -> str:
    """A configuration value as the nucleus writes it into a script."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value a JSON pointer (RFC 6901) names, or KeyError."""
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    value = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise KeyError(pointer)
    return value


def _system_value(scope: Scope, namespace: str, key: str) -> str | None:
    values = {
        ("artifacts", "path"): scope.paths.artifacts,
        ("artifacts", "decompressedPath"): scope.paths.decompressed,
        ("work", "path"): scope.paths.work,
        ("kernel", "rootPath"): scope.root,
        ("iot", "thingName"): scope.thing_name,
    }
    value = values.get((namespace, key))
    return None if value is None else str(value)


def _lookup(scope: Scope, namespace: str, key: str, placeholder: str) -> str:
    if namespace == "configuration":
        try:
            return configuration_text(resolve_pointer(scope.configuration, key))
        except KeyError:
            raise InterpolationError(
                f"{placeholder}: {scope.name} has no configuration value at {key}"
            ) from None
    value = _system_value(scope, namespace, key)
    if value is None:
        raise InterpolationError(f"{placeholder}: unknown recipe variable")
    return value


def interpolate(text: str, scope: Scope) -> str:
    """``text`` with every recipe variable replaced."""

    def same_component(match: re.Match[str]) -> str:
        return _lookup(scope, match.group(1), match.group(2), match.group(0))

    def cross_component(match: re.Match[str]) -> str:
        target = scope.dependencies.get(match.group(1))
        if target is None:
            raise InterpolationError(
                f"{match.group(0)}: {match.group(1)} is not a dependency of {scope.name}"
            )
        return _lookup(target, match.group(2), match.group(3), match.group(0))

    return CROSS_COMPONENT.sub(cross_component, SAME_COMPONENT.sub(same_component, text))


def interpolate_lifecycle(lifecycle: Any, scope: Scope) -> Any:
    """A Lifecycle section with every string interpolated (the nucleus leaves lists alone)."""
    if isinstance(lifecycle, str):
        return interpolate(lifecycle, scope)
    if isinstance(lifecycle, dict):
        return {key: interpolate_lifecycle(value, scope) for key, value in lifecycle.items()}
    return lifecycle
