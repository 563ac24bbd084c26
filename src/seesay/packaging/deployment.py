"""The fleet deployment: deploy/deployment.yaml rendered for AWS and for a single device.

The template is the body of a GreengrassV2 CreateDeployment request without
its target, written as YAML: each ``configurationUpdate.merge`` is a mapping
rather than the JSON text the API wants, and this project's own components
carry no version (each gets the one in its gdk-config.json, so a release
changes versions in one place). Rendering produces:

- ``deployment.json``: the CreateDeployment input, for
  ``aws greengrassv2 create-deployment --cli-input-json``;
- ``local-deployment.json``: ``{component: {"MERGE": {...}}}``, the
  ``--update-config`` of ``greengrass-cli deployment create``.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import yaml

from seesay.packaging.gdk_project import find_projects

logger = logging.getLogger(__name__)

TEMPLATE = Path("deploy") / "deployment.yaml"
CLOUD_DOCUMENT = "deployment.json"
LOCAL_DOCUMENT = "local-deployment.json"


class DeploymentError(ValueError):
    """A deployment template that cannot be rendered; the text names the component."""


def load_template(project_root: Path) -> dict[str, Any]:
    """The deployment template as a dict."""
    path = project_root / TEMPLATE
    template = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(template, dict) or not isinstance(template.get("components"), dict):
        raise DeploymentError(f"{path} must be a mapping with a 'components' mapping")
    return template


def component_versions(project_root: Path) -> dict[str, str]:
    """This project's components and the versions their gdk-config.json files give."""
    return {project.name: project.version for project in find_projects(project_root)}


def merges(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each component's configuration merge, as a mapping (components without one left out)."""
    found = {}
    for name, component in template["components"].items():
        merge = ((component or {}).get("configurationUpdate") or {}).get("merge")
        if merge is not None:
            if not isinstance(merge, dict):
                raise DeploymentError(f"{name}: configurationUpdate.merge must be a mapping")
            found[name] = merge
    return found


def render_cloud(template: dict[str, Any], versions: dict[str, str]) -> dict[str, Any]:
    """The CreateDeployment input (without targetArn) the template describes."""
    document = copy.deepcopy(template)
    rendered = {}
    for name, component in document["components"].items():
        component = dict(component or {})
        if name in versions:
            if component.get("componentVersion", versions[name]) != versions[name]:
                raise DeploymentError(
                    f"{name}: the template says version {component['componentVersion']}, "
                    f"its gdk-config.json says {versions[name]}; leave the version out"
                )
            component["componentVersion"] = versions[name]
        elif "componentVersion" not in component:
            raise DeploymentError(
                f"{name} is not built by this project and needs a componentVersion"
            )
        update = component.get("configurationUpdate")
        if update and isinstance(update.get("merge"), dict):
            update["merge"] = json.dumps(update["merge"], separators=(",", ":"))
        rendered[name] = {"componentVersion": component.pop("componentVersion"), **component}
    document["components"] = rendered
    return document


def render_local(template: dict[str, Any]) -> dict[str, Any]:
    """The configuration update of ``greengrass-cli deployment create --update-config``."""
    return {name: {"MERGE": merge} for name, merge in merges(template).items()}


def write_deployments(project_root: Path, output_dir: Path) -> None:
    """Render the template into ``output_dir`` for the cloud and for a local deployment."""
    template = load_template(project_root)
    cloud = render_cloud(template, component_versions(project_root))
    (output_dir / CLOUD_DOCUMENT).write_text(json.dumps(cloud, indent=2) + "\n", encoding="utf-8")
    local = render_local(template)
    (output_dir / LOCAL_DOCUMENT).write_text(json.dumps(local, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s and %s in %s", CLOUD_DOCUMENT, LOCAL_DOCUMENT, output_dir)
