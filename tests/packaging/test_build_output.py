"""`seesay build` writes what `gdk component build` writes for the same inputs.

GDK 1.6 cannot be installed here, so these tests hold the build to GDK's
observed behaviour (../shared/schemas/gdk/NOTES.md and GDK's source): the
greengrass-build/ layout, the recipe it writes (only ComponentName,
ComponentVersion, ComponentPublisher and built artifact URIs change, keys keep
their order, YAML written by ``yaml.safe_dump(sort_keys=False)``), the zip's
name and exclusions, and the failures it reports.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.validate import ParamValidator

from seesay.packaging import deployment
from seesay.packaging.build import BuildError, build_component, gather
from seesay.packaging.gdk_project import load_project
from seesay.packaging.recipes import BUILD_URI_PREFIX, all_artifacts, get_key, read_recipe

DETECTOR = "com.example.ObjectDetector"
AGGREGATOR = "com.example.LocalAggregator"
MODEL = "com.example.Model.SsdMobilenetV1CocoQuant"


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR])
def test_zip_component_layout_is_gdks(build, projects, name):
    project = projects[name]
    output = build.components[name].recipe_path.parents[1]
    assert output.name == "greengrass-build"
    # GDK resolves the recipe path, so the symlinked recipe is written under its target's name.
    assert files_under(output) == {
        f"recipes/{project.recipe_file.name}",
        f"artifacts/{name}/{project.version}/{name}.zip",
    }


def test_model_component_layout(build, projects):
    project = projects[MODEL]
    output = build.components[MODEL].recipe_path.parents[1]
    model_files = {
        "ssd_mobilenet_v1_coco_quant_head.onnx", "anchors_yxhw.npy", "coco_labels.txt",
        "detect.tflite", "seesay-model.json",
    }
    assert files_under(output) == {f"recipes/{project.recipe_file.name}"} | {
        f"artifacts/{MODEL}/{project.version}/{file}" for file in model_files
    }


@pytest.mark.parametrize("name", [DETECTOR, AGGREGATOR, MODEL])
def test_built_recipe_is_the_source_with_gdk_fields_replaced(build, projects, name):
    project = projects[name]
    source = read_recipe(project.recipe_file)
    expected = json.loads(json.dumps(source))
    expected["ComponentName"] = project.name
    expected["ComponentVersion"] = project.version
    expected["ComponentPublisher"] = project.author
    if project.build_system == "zip":
        for artifact in all_artifacts(expected):
            file_name = artifact["URI"].rsplit("/", 1)[-1]
            artifact["URI"] = f"{BUILD_URI_PREFIX}/{file_name}"

    built_path = build.components[name].recipe_path
    assert read_recipe(built_path) == expected
    assert list(read_recipe(built_path)) == list(source), "keys keep their order"
    assert built_path.read_text() == yaml.safe_dump(expected, sort_keys=False)


def test_bundle_gathers_every_component_for_greengrass_cli(build, projects):
    recipes = build.bundle / "recipes"
    assert {path.name for path in recipes.iterdir()} == {
        f"{name}-{project.version}.yaml" for name, project in projects.items()
    }
    for name, component in build.components.items():
        gathered = recipes / f"{name}-{component.version}.yaml"
        assert gathered.read_bytes() == component.recipe_path.read_bytes()
        artifacts = build.bundle / "artifacts" / name / component.version
        assert files_under(artifacts) == files_under(component.artifact_dir)


def test_gathering_again_replaces_a_components_older_build(build, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(build.bundle, bundle)
    stale = bundle / "recipes" / "old-name-for-the-aggregator.yaml"
    shutil.copyfile(build.components[AGGREGATOR].recipe_path, stale)
    gather([build.components[AGGREGATOR]], bundle)
    assert not stale.exists()
    assert (bundle / "recipes" / f"{AGGREGATOR}-1.0.0.yaml").exists()
    assert (bundle / "recipes" / f"{DETECTOR}-1.0.0.yaml").exists()


def copy_component(project, destination: Path, **settings) -> Path:
    """A stand-alone copy of a component folder (symlinks copied as content) with new settings."""
    folder = destination / project.folder.name
    shutil.copytree(project.folder, folder, ignore=shutil.ignore_patterns("greengrass-build"))
    config = json.loads((folder / "gdk-config.json").read_text())
    config["component"][project.name].update(settings)
    (folder / "gdk-config.json").write_text(json.dumps(config))
    return folder


def test_next_patch_stays_literal_until_publish(projects, tmp_path):
    folder = copy_component(projects[AGGREGATOR], tmp_path, version="NEXT_PATCH")
    built = build_component(load_project(folder))
    output = folder / "greengrass-build"
    assert built.artifact_dir == output / "artifacts" / AGGREGATOR / "NEXT_PATCH"
    assert read_recipe(built.recipe_path)["ComponentVersion"] == "NEXT_PATCH"
    # A recipe.yaml that is a plain file keeps GDK's default built name.
    assert built.recipe_path.name == "recipe.yaml"


@pytest.mark.parametrize(
    ("options", "zip_file"),
    [
        (None, f"{AGGREGATOR}-folder.zip"),
        ({"zip_name": ""}, f"{AGGREGATOR}.zip"),
        ({"zip_name": "aggregator"}, "aggregator.zip"),
    ],
)
def test_zip_is_named_like_gdk_names_it(projects, tmp_path, options, zip_file):
    project = projects[AGGREGATOR]
    folder = copy_component(project, tmp_path, build={"build_system": "zip"})
    folder = folder.rename(folder.with_name(f"{AGGREGATOR}-folder"))
    config = json.loads((folder / "gdk-config.json").read_text())
    if options is not None:
        config["component"][AGGREGATOR]["build"]["options"] = {
            **options, "excludes": ["**/__pycache__"],
        }
    (folder / "gdk-config.json").write_text(json.dumps(config))
    recipe = read_recipe(folder / "recipe.yaml")
    for artifact in all_artifacts(recipe):
        artifact["URI"] = f"{BUILD_URI_PREFIX}/{zip_file}"
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))

    built = build_component(load_project(folder))
    assert [path.name for path in built.artifacts] == [zip_file]


def test_without_options_gdks_default_excludes_apply(projects, tmp_path):
    folder = copy_component(projects[AGGREGATOR], tmp_path, build={"build_system": "zip"})
    (folder / "tests").mkdir()
    (folder / "tests" / "test_it.py").write_text("")
    (folder / ".env").write_text("SECRET=1")
    built = build_component(load_project(folder))
    with zipfile.ZipFile(built.artifacts[0]) as archive:
        names = archive.namelist()
    assert "requirements.txt" in names
    left_out = ("tests", ".env", "gdk-config", "recipe")
    assert not [name for name in names if name.startswith(left_out)]


def test_an_artifact_the_build_does_not_make_fails_like_gdk(projects, tmp_path):
    folder = copy_component(projects[AGGREGATOR], tmp_path)
    recipe = read_recipe(folder / "recipe.yaml")
    next(all_artifacts(recipe))["URI"] = f"{BUILD_URI_PREFIX}/missing.zip"
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))
    with pytest.raises(BuildError, match="could not find artifact .*missing.zip"):
        build_component(load_project(folder))


def test_a_recipe_over_gdks_size_limit_is_refused(projects, tmp_path):
    folder = copy_component(projects[AGGREGATOR], tmp_path)
    with (folder / "recipe.yaml").open("a") as recipe:
        recipe.write("#" * 16_000 + "\n")
    with pytest.raises(BuildError, match="16000"):
        build_component(load_project(folder))


def test_model_files_must_match_their_published_digests(projects, model_dir, tmp_path):
    altered = tmp_path / "model"
    shutil.copytree(model_dir, altered)
    with (altered / "coco_labels.txt").open("a") as labels:
        labels.write("unicorn\n")
    with pytest.raises(BuildError, match="coco_labels.txt does not match its recipe Digest"):
        build_component(projects[MODEL], tmp_path / "out", model_dir=altered)


def test_model_component_serves_the_shipped_manifest(build, checkout):
    manifest = build.components[MODEL].artifact_dir / "seesay-model.json"
    shipped = checkout / "components" / DETECTOR / "seesay_detector" / "manifests"
    assert manifest.read_bytes() == (shipped / "ssd_mobilenet_v1_coco_quant.json").read_bytes()


def test_deployment_is_a_valid_create_deployment_request(build, projects):
    document = json.loads((build.bundle / deployment.CLOUD_DOCUMENT).read_text())
    target = "arn:aws:iot:us-east-1:123456789012:thinggroup/seesay-cameras"
    request = {"targetArn": target, **document}
    client = boto3.client(
        "greengrassv2", region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )
    model = client.meta.service_model
    shape = model.operation_model("CreateDeployment").input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()

    for name, project in projects.items():
        assert document["components"][name]["componentVersion"] == project.version
    for name, component in document["components"].items():
        merge = get_key(component.get("configurationUpdate", {}), "merge")
        if merge is not None:
            assert isinstance(json.loads(merge), dict), name


def test_local_deployment_merges_the_same_configuration(build, checkout):
    local = json.loads((build.bundle / deployment.LOCAL_DOCUMENT).read_text())
    cloud = json.loads((build.bundle / deployment.CLOUD_DOCUMENT).read_text())
    for name, update in local.items():
        merge = cloud["components"][name]["configurationUpdate"]["merge"]
        assert update["MERGE"] == json.loads(merge)


def test_a_template_version_that_contradicts_gdk_config_is_refused(checkout):
    template = deployment.load_template(checkout)
    template["components"][DETECTOR]["componentVersion"] = "9.9.9"
    with pytest.raises(deployment.DeploymentError, match="gdk-config.json says"):
        deployment.render_cloud(template, deployment.component_versions(checkout))
