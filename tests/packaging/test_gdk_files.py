"""Every gdk-config.json and recipe is one GDK 1.6 accepts, and recipes/ is the only copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seesay.packaging.gdk_project import (
    GDK_CONFIG_FILE,
    disagreements,
    project_defaults,
)
from seesay.packaging.recipes import MAX_RECIPE_BYTES, component_name, read_recipe
from seesay.packaging.schemas import SchemaError, validate_gdk_config, validate_recipe

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
MODEL = "com.example.Model.SsdMobilenetV1CocoQuant"


def all_gdk_configs(checkout: Path) -> list[Path]:
    return [checkout / GDK_CONFIG_FILE, *sorted(checkout.glob(f"components/*/{GDK_CONFIG_FILE}"))]


def test_every_component_folder_is_a_gdk_project(projects):
    assert set(projects) == {DETECTOR, AGGREGATOR, MODEL}


def test_every_gdk_config_validates_against_the_gdk_schema(checkout):
    configs = all_gdk_configs(checkout)
    assert len(configs) == 4
    for path in configs:
        validate_gdk_config(json.loads(path.read_text()), str(path))


def test_a_config_with_two_components_is_refused(checkout):
    config = json.loads((checkout / GDK_CONFIG_FILE).read_text())
    settings = next(iter(config["component"].values()))
    config["component"] = {"com.example.A": settings, "com.example.B": settings}
    with pytest.raises(SchemaError, match="component"):
        validate_gdk_config(config)


def test_components_agree_with_the_top_level_settings(checkout, projects):
    defaults, gdk_version = project_defaults(checkout)
    for project in projects.values():
        assert disagreements(project, defaults, gdk_version) == []


def test_code_components_share_the_top_level_zip_build(checkout, projects):
    defaults, _ = project_defaults(checkout)
    for name in (DETECTOR, AGGREGATOR):
        assert projects[name].build_config == defaults["build"]
    assert projects[MODEL].custom_build_command == ["seesay", "build", MODEL]


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR, MODEL])
def test_each_source_recipe_validates_and_fits(projects, name):
    project = projects[name]
    assert project.recipe_file.stat().st_size <= MAX_RECIPE_BYTES
    validate_recipe(read_recipe(project.recipe_file), str(project.recipe_file))


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR, MODEL])
def test_each_built_recipe_validates(build, name):
    validate_recipe(build.recipe(name), name)


def test_recipe_keys_are_compared_case_insensitively(projects):
    recipe = read_recipe(projects[AGGREGATOR].recipe_file)
    recipe["recipeFormatVersion"] = recipe.pop("RecipeFormatVersion")
    validate_recipe(recipe)
    recipe["recipeFormatVersion"] = "2021-01-01"
    with pytest.raises(SchemaError):
        validate_recipe(recipe)


def test_a_folder_recipe_is_a_symlink_into_recipes(checkout, projects):
    recipes_dir = (checkout / "recipes").resolve()
    used = set()
    for name, project in projects.items():
        link = project.folder / "recipe.yaml"
        assert link.is_symlink(), f"{link} must be a symlink, not a copy that can drift"
        assert project.recipe_file.parent == recipes_dir
        assert component_name(read_recipe(project.recipe_file)) == name
        used.add(project.recipe_file)
    assert used == set(recipes_dir.glob("*.yaml")), "every recipe in recipes/ belongs to a folder"
