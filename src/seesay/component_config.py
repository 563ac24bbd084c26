"""Component settings: one typed model per component, from a file, flags or a recipe.

Each setting has a name (the recipe's DefaultConfiguration key), a default and
a one-line description. The same names work as ``--Name value`` flags and as
keys of a JSON or YAML file given with ``--config``; flags win. A bad value
stops the component before its first frame with a message naming the key.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

Settings = TypeVar("Settings", bound=BaseModel)


MAX_TOPIC_BYTES = 256


def check_topic(topic: str) -> str:
    """A topic a component may publish or subscribe to by name: no wildcards.

    Greengrass and IoT Core refuse ``+`` and ``#`` in a publish topic and
    reserve topics starting with ``$``; catching that at start-up beats
    failing on every message.
    """
    if not topic or not topic.strip():
        raise ValueError("topic is empty")
    if "+" in topic or "#" in topic:
        raise ValueError(f"topic {topic!r} contains a wildcard (+ or #)")
    if topic.startswith("$"):
        raise ValueError(f"topic {topic!r} starts with '$', which is reserved")
    if len(topic.encode("utf-8")) > MAX_TOPIC_BYTES:
        raise ValueError(f"topic is longer than {MAX_TOPIC_BYTES} bytes")
    return topic


Topic = Annotated[str, AfterValidator(check_topic)]


class ComponentSettings(BaseModel):
    """Base for component settings: unknown keys are errors, not silently ignored.

    Numbers must be finite: an infinite interval or window is never meant.
    """

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False
    )


class ConfigError(ValueError):
    """Settings that cannot be used; the text names each bad key."""


def describe_errors(error: ValidationError) -> str:
    """One line per bad key, in the recipe's own names."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(settings)"
        lines.append(f"{key}: {problem['msg']}")
    return "; ".join(lines)


def validate_settings(model: type[Settings], values: dict[str, Any]) -> Settings:
    """Validate a dict of settings, raising ConfigError that names the bad keys."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ConfigError(f"invalid configuration: {describe_errors(error)}") from error


def read_config_file(path: Path) -> dict[str, Any]:
    """A JSON or YAML file of settings (a mapping at the top)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {path} is not UTF-8 text: {error.reason}") from error
    try:
        values = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"config file {path} is not valid JSON/YAML: {error}") from error
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ConfigError(f"config file {path} must hold a mapping of settings")
    return values


def _flag_value(text: str) -> Any:
    """Flags arrive as text; pydantic converts numbers and booleans, JSON gives lists."""
    if text.strip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def settings_parser(model: type[BaseModel], prog: str) -> argparse.ArgumentParser:
    """An argument parser with ``--config`` and one ``--Name`` flag per setting."""
    parser = argparse.ArgumentParser(prog=prog, description=model.__doc__)
    parser.add_argument("--config", type=Path, help="JSON or YAML file of settings")
    for name, field in model.model_fields.items():
        key = field.alias or name
        parser.add_argument(
            f"--{key}", dest=key, default=None, metavar="VALUE",
            help=f"{field.description} (default: {field.default!r})",
        )
    return parser


def load_settings(model: type[Settings], argv: list[str] | None, prog: str) -> Settings:
    """Settings from ``--config`` and flags; exits with status 2 naming bad keys."""
    args = settings_parser(model, prog).parse_args(argv)
    try:
        values = read_config_file(args.config) if args.config else {}
        for name, field in model.model_fields.items():
            key = field.alias or name
            flag = getattr(args, key)
            if flag is not None:
                values[key] = _flag_value(flag)
        return validate_settings(model, values)
    except ConfigError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        raise SystemExit(2) from error
