"""``seesay run-component``: a built component's lifecycle, run the way a nucleus runs it.

For one component this does what a Greengrass nucleus does when it deploys
and starts it, and nothing more:

1. picks the first manifest whose Platform matches this machine;
2. installs the artifacts (and those of its dependencies built alongside it)
   under a nucleus root folder, checking Digests and unpacking ZIPs;
3. merges a local configuration over the recipe's DefaultConfiguration, as a
   deployment's ``merge`` does (mappings merge, everything else replaces);
4. interpolates the lifecycle's recipe variables;
5. runs Install, then Run, each as ``sh -c <script>`` in the work folder with
   the Setenv variables, ``AWS_IOT_THING_NAME`` and the caller's environment.

There is no IPC socket, so the components choose MQTT: ``SEESAY_TRANSPORT=mqtt``
is set and ``SEESAY_MQTT_URL`` (the local stack's broker) passes through.

Install steps install from the network, as on a device. :func:`reuse_site_packages`
is the one departure, for offline tests and laptops: it lets the recipe's own
Install script succeed without downloading, by pointing pip at this
interpreter's already-installed packages (``PIP_NO_INDEX=1`` and
``PYTHONPATH``), so pip checks requirements.txt against them instead.
"""

from __future__ import annotations

import copy
import logging
import os
import platform
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seesay.packaging.component_store import ComponentStore, install_artifacts, nucleus_paths
from seesay.packaging.interpolation import Scope, interpolate_lifecycle
from seesay.packaging.recipes import default_configuration, dependencies, get_key, manifests

logger = logging.getLogger(__name__)

DEFAULT_INSTALL_TIMEOUT_S = 120.0
STOP_GRACE_S = 10.0
SUPPORTED_STEPS = ("setenv", "install", "run")
# platform.machine() to the architecture names recipes use.
ARCHITECTURES = {
    "x86_64": "amd64", "amd64": "amd64", "aarch64": "aarch64", "arm64": "aarch64",
    "armv7l": "arm", "armv6l": "arm", "i386": "x86", "i686": "x86",
}


class LifecycleError(RuntimeError):
    """A lifecycle that cannot be run as written; the text names the step."""


def this_platform() -> dict[str, str]:
    """This machine as a recipe Platform: ``os`` and ``architecture``."""
    machine = platform.machine().lower()
    return {"os": platform.system().lower(), "architecture": ARCHITECTURES.get(machine, machine)}


def select_manifest(recipe: dict[str, Any], machine: dict[str, str]) -> dict[str, Any]:
    """The first manifest whose Platform matches ``machine`` (no Platform matches all)."""
    def matches(key: str, value: Any) -> bool:
        return str(value) in ("*", "all", machine.get(key.lower()))

    for manifest in manifests(recipe):
        wanted = get_key(manifest, "Platform", None) or {}
        if all(matches(key, value) for key, value in wanted.items()):
            return manifest
    raise LifecycleError(f"no manifest of {get_key(recipe, 'ComponentName')} matches {machine}")


def merge_configuration(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` merged over ``base`` the way a deployment's ``merge`` does."""
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_configuration(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def reuse_site_packages() -> dict[str, str]:
    """Environment that lets Install steps reuse this interpreter's packages, offline.

    ``python3`` resolves to this interpreter, pip may not use an index, and this
    interpreter's site-packages are on ``PYTHONPATH``: a virtual environment
    created by the recipe then finds every requirement already satisfied.
    """
    site_packages = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PIP_NO_INDEX": "1",
        "PYTHONPATH": os.pathsep.join(site_packages),
    }


@dataclass
class PreparedComponent:
    """A component ready to run: its interpolated lifecycle and its environment."""

    name: str
    version: str
    lifecycle: dict[str, Any]
    work_dir: Path
    environment: dict[str, str]

    def step(self, name: str) -> Any:
        """A lifecycle step (``Install``, ``Run``), or None."""
        return get_key(self.lifecycle, name)

    def run_step(self, name: str, stop: threading.Event | None = None) -> int:
        """Run one step to its end and return its exit code (0 when the recipe has none).

        Install is stopped after its Timeout (default 120 s), as the nucleus does;
        Run goes on until it exits or ``stop`` is set, which sends it SIGTERM.
        """
        step = self.step(name)
        if step is None:
            return 0
        script, setenv, timeout = _script_of(step, name)
        if timeout is None and name.lower() == "install":
            timeout = DEFAULT_INSTALL_TIMEOUT_S
        environment = {**self.environment, **{key: str(value) for key, value in setenv.items()}}

        logger.info("%s %s: %s started", self.name, self.version, name)
        started = time.monotonic()
        process = subprocess.Popen(
            ["sh", "-c", script], cwd=self.work_dir, env=environment, process_group=0
        )
        code = _wait(process, timeout, stop)
        logger.info(
            "%s %s: %s exited with %s after %.1f s",
            self.name, self.version, name, code, time.monotonic() - started,
        )
        if code is None:
            raise LifecycleError(f"{self.name} {name}: timed out after {timeout:.0f} s")
        return code

    def run(self, stop: threading.Event | None = None) -> int:
        """Install, then Run; the exit code of the first that fails, else Run's."""
        installed = self.run_step("Install", stop)
        if installed != 0:
            logger.error("%s: Install failed with exit code %d; not running", self.name, installed)
            return installed
        return self.run_step("Run", stop)


def _script_of(step: Any, name: str) -> tuple[str, dict[str, Any], float | None]:
    """A step's script, its own Setenv and its Timeout; refuses what is not emulated."""
    if isinstance(step, str):
        return step, {}, None
    if not isinstance(step, dict) or not isinstance(get_key(step, "Script"), str):
        raise LifecycleError(f"lifecycle step {name} has no Script")
    if str(get_key(step, "RequiresPrivilege", False)).lower() == "true":
        raise LifecycleError(f"lifecycle step {name} requires privilege, not supported here")
    if get_key(step, "SkipIf") is not None:
        raise LifecycleError(f"lifecycle step {name} has a SkipIf, which is not supported here")
    timeout = get_key(step, "Timeout")
    setenv = dict(get_key(step, "Setenv", None) or {})
    return get_key(step, "Script"), setenv, None if timeout is None else float(timeout)


def _wait(
    process: subprocess.Popen, timeout: float | None, stop: threading.Event | None
) -> int | None:
    """The process's exit code; None if it ran past ``timeout`` (it is then killed)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            return process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
        if stop is not None and stop.is_set():
            _terminate(process)
            return process.wait()
        if deadline is not None and time.monotonic() > deadline:
            _terminate(process)
            process.wait()
            return None


def _terminate(process: subprocess.Popen) -> None:
    """SIGTERM to the step's process group, SIGKILL if it is still there after a grace period."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def prepare(
    store: ComponentStore,
    name: str,
    root: Path,
    thing_name: str,
    configuration_merge: dict[str, Any] | None = None,
    environment: dict[str, str] | None = None,
) -> PreparedComponent:
    """Install a built component's artifacts under ``root`` and interpolate its lifecycle.

    Args:
        store: the built recipes and artifacts.
        name: the component to prepare.
        root: the nucleus root folder (packages/ and work/ go under it).
        thing_name: this device's thing name.
        configuration_merge: merged over the recipe's DefaultConfiguration.
        environment: the environment the steps start from (default: this process's).
    """
    built = store.components()
    if name not in built:
        raise LifecycleError(f"{name} is not built (built: {', '.join(sorted(built)) or 'none'})")
    machine = this_platform()

    def scope_of(component_name: str, merge: dict[str, Any]) -> tuple[Scope, dict[str, Any]]:
        component = built[component_name]
        manifest = select_manifest(component.recipe, machine)
        paths = nucleus_paths(root, component.name, component.version)
        install_artifacts(component, manifest, paths)
        configuration = merge_configuration(default_configuration(component.recipe), merge)
        scope = Scope(component.name, configuration, paths, root, thing_name)
        return scope, manifest

    component = built[name]
    scope, manifest = scope_of(name, configuration_merge or {})
    for dependency in dependencies(component.recipe):
        if dependency in built:
            scope.dependencies[dependency] = scope_of(dependency, {})[0]

    lifecycle = dict(get_key(manifest, "Lifecycle", None) or {})
    unsupported = [step for step in lifecycle if step.lower() not in SUPPORTED_STEPS]
    if unsupported:
        raise LifecycleError(f"{name}: lifecycle steps {unsupported} are not supported here")
    lifecycle = interpolate_lifecycle(lifecycle, scope)

    base = dict(os.environ if environment is None else environment)
    base.update(
        {
            "AWS_IOT_THING_NAME": thing_name,
            "SEESAY_TRANSPORT": "mqtt",
        }
    )
    setenv = get_key(lifecycle, "Setenv", None) or {}
    base.update({key: str(value) for key, value in setenv.items()})
    return PreparedComponent(name, component.version, lifecycle, scope.paths.work, base)


def run_component(prepared: PreparedComponent) -> int:
    """Install and run a prepared component until it exits or this process is told to stop.

    SIGTERM and SIGINT are passed on to the running step as SIGTERM, so the
    component shuts down as it would when the nucleus stops it.
    """
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in signals}
    try:
        return prepared.run(stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
