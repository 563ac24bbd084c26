"""The JSON schemas GDK 1.6 validates gdk-config.json and recipes against.

They are read from ``schemas/gdk`` in the shared folder (see
:func:`seesay.paths.shared_dir`). GDK lower-cases every key of a recipe before
validating it, so the recipe schema's property names are lower case;
:func:`validate_recipe` does the same.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from seesay.paths import shared_dir

CONFIG_SCHEMA = "config_schema.json"
RECIPE_SCHEMA = "recipe_schema.json"
SUPPORTED_RECIPE_FORMAT = "2020-01-25"


class SchemaError(ValueError):
    """A document that GDK would refuse; the text gives the failing path."""


def schema_dir() -> Path:
    """The folder holding GDK's schemas."""
    return shared_dir() / "schemas" / "gdk"


@cache
def load_schema(file_name: str) -> dict[str, Any]:
    """One of GDK's schemas, read once."""
    path = schema_dir() / file_name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SchemaError(f"GDK schema {path} is missing (set SEESAY_SHARED): {error}") from error


def lower_keys(value: Any) -> Any:
    """A copy with every mapping key lower-cased, at every depth, as GDK compares recipes."""
    if isinstance(value, dict):
        return {str(key).lower(): lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_keys(item) for item in value]
    return value


def _validate(document: Any, schema: dict[str, Any], what: str) -> None:
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    if errors:
        details = "; ".join(
            f"{'/'.join(str(part) for part in error.path) or '(top)'}: {error.message}"
            for error in errors
        )
        raise SchemaError(f"{what} is not valid for GDK: {details}")


def validate_gdk_config(config: dict[str, Any], what: str = "gdk-config.json") -> None:
    """Raise SchemaError unless ``config`` satisfies GDK's config schema."""
    _validate(config, load_schema(CONFIG_SCHEMA), what)


def validate_recipe(recipe: dict[str, Any], what: str = "recipe") -> None:
    """Raise SchemaError unless ``recipe`` satisfies GDK's recipe schema and format version."""
    lowered = lower_keys(recipe)
    _validate(lowered, load_schema(RECIPE_SCHEMA), what)
    if lowered.get("recipeformatversion") != SUPPORTED_RECIPE_FORMAT:
        raise SchemaError(f"{what}: RecipeFormatVersion must be {SUPPORTED_RECIPE_FORMAT}")
