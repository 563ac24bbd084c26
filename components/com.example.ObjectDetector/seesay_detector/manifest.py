"""The model manifest as typed models: every key with its type, range and default.

A manifest is checked whole when a model is loaded. A key that is unknown,
missing, of the wrong type or out of range refuses the model with one line
naming the key (``backends.onnxruntime.postprocess.iou_threshold: Input
should be less than or equal to 1``), so a model that cannot detect anything
never reaches the first frame. File names in a manifest are relative to the
model folder and may not leave it. docs/detector.md describes every key.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StrictInt,
    ValidationError,
    model_validator,
)

MANIFEST_FILE = "seesay-model.json"
MAX_INPUT_SIDE = 4096
CONVENTIONS = ("builtin", "ssd_head", "gluoncv")
# Keys that only mean something to anchor decoding and NMS of a raw SSD head.
HEAD_KEYS = (
    "anchors",
    "box_encodings",
    "class_scores",
    "box_coder_scales",
    "background_column",
    "iou_threshold",
    "max_detections",
    "candidate_score",
)


class ModelError(ValueError):
    """A model folder or manifest that cannot be used; the text says why."""


def check_file_name(name: Any) -> str:
    """A file name inside the model folder: relative, without ``..``, not empty."""
    if not isinstance(name, str):
        raise ValueError(f"must be a file name in the model folder, not {name!r}")
    path = PurePosixPath(name)
    if not name or name != name.strip() or "\x00" in name or "\\" in name:
        raise ValueError(f"{name!r} is not a usable file name")
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{name!r} is outside the model folder; name a file inside it")
    return name


def _labels_source(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(label, str) for label in value):
        return tuple(label.strip() for label in value)
    if isinstance(value, str):
        return check_file_name(value)
    raise ValueError("must be a label file name or a list of labels (strings)")


def _three_channels(value: Any) -> Any:
    """One number stands for the same value on all three channels."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (value, value, value)
    return value


FileName = Annotated[str, PlainValidator(check_file_name)]
LabelsSource = Annotated[str | tuple[str, ...], PlainValidator(_labels_source)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
PerChannel = Annotated[tuple[Number, Number, Number], BeforeValidator(_three_channels)]
Sha256 = Annotated[str, Strict(), Field(pattern="^[0-9a-f]{64}$")]


class ManifestSection(BaseModel):
    """Base of every manifest section: unknown keys and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class InputSpec(ManifestSection):
    """What the network's input tensor wants.

    ``mean`` and ``std`` apply to float inputs only: the tensor holds
    ``(pixel - mean) / std`` per channel, in the model's channel order.
    """

    width: StrictInt = Field(ge=1, le=MAX_INPUT_SIDE, description="network input width")
    height: StrictInt = Field(ge=1, le=MAX_INPUT_SIDE, description="network input height")
    dtype: Literal["uint8", "float32"] = Field(description="input tensor element type")
    channels: Literal["RGB", "BGR"] = Field("RGB", description="channel order")
    layout: Literal["NHWC", "NCHW"] = Field("NHWC", description="tensor layout")
    resize: Literal["stretch", "letterbox"] = Field("stretch", description="how frames fit")
    mean: PerChannel = Field((127.5, 127.5, 127.5), description="subtracted (float input)")
    std: PerChannel = Field((127.5, 127.5, 127.5), description="divided by (float input)")

    @model_validator(mode="after")
    def _std_not_zero(self) -> InputSpec:
        if any(value == 0 for value in self.std):
            raise ValueError("input.std must not be 0")
        return self


class Postprocess(ManifestSection):
    """How a backend's outputs become detections (:mod:`seesay_detector.outputs`)."""

    type: Literal["builtin", "ssd_head", "gluoncv"] | None = Field(
        None, description="output convention; None = chosen by the outputs' shapes"
    )
    label_offset: StrictInt = Field(0, description="added to a class id to get its label line")
    box_order: Literal["yxyx", "xyxy"] = Field("yxyx", description="corner order of boxes")
    outputs: dict[str, str] | None = Field(None, description="output names by role")
    anchors: FileName | None = Field(None, description="(ssd_head) .npy file of [A, 4] anchors")
    box_encodings: str | None = Field(None, description="(ssd_head) box encodings output")
    class_scores: str | None = Field(None, description="(ssd_head) class scores output")
    box_coder_scales: tuple[
        Annotated[Number, Field(gt=0)],
        Annotated[Number, Field(gt=0)],
        Annotated[Number, Field(gt=0)],
        Annotated[Number, Field(gt=0)],
    ] = Field((10.0, 10.0, 5.0, 5.0), description="(ssd_head) y, x, h, w scales")
    background_column: Annotated[StrictInt, Field(ge=0)] | None = Field(
        0, description="(ssd_head) score column of the background class, or None"
    )
    iou_threshold: Fraction = Field(0.6, description="(ssd_head) NMS overlap limit")
    max_detections: StrictInt = Field(10, ge=1, description="(ssd_head) most boxes NMS keeps")
    candidate_score: Fraction = Field(1e-8, description="(ssd_head) lowest score considered")

    def check_keys_for(self, convention: str, where: str) -> None:
        """Refuse keys that the chosen convention would silently ignore."""
        given = self.model_fields_set
        if convention == "ssd_head":
            ignored = sorted(given & {"outputs", "box_order"})
            hint = "an SSD head names its outputs with box_encodings and class_scores"
        else:
            ignored = sorted(given & set(HEAD_KEYS))
            hint = "they apply to ssd_head post-processing only"
        if ignored:
            keys = ", ".join(f"{where}.{key}" for key in ignored)
            raise ModelError(f"manifest {keys} cannot be used with {convention} outputs ({hint})")


class BackendSection(ManifestSection):
    """One inference runtime's model file and post-processing."""

    file: FileName = Field(description="the model file for this runtime")
    postprocess: Postprocess = Field(Postprocess(), description="outputs to detections")


class DerivedFile(ManifestSection):
    """A file made from another after download (today: a tensor of a .tflite file)."""

    model_config = ConfigDict(populate_by_name=True)

    source: FileName = Field(alias="from", description="the file it is made from")
    tflite_tensor: str = Field(description="the constant tensor to save as .npy")


class Origin(ManifestSection):
    """Where a model comes from, and the SHA-256 of each published file."""

    url: str | None = Field(None, description="public zip to download")
    source: str | None = Field(None, description="where the files come from, for people")
    license: str | None = Field(None, description="the model's licence")
    archive_members: dict[FileName, str] = Field({}, description="file name: member of the zip")
    derived: dict[FileName, DerivedFile] = Field({}, description="files made after download")
    not_downloadable: dict[FileName, str] = Field({}, description="file name: how it was made")
    sha256: dict[FileName, Sha256] = Field({}, description="file name: SHA-256, lower-case hex")


class Manifest(ManifestSection):
    """A whole model manifest (``seesay-model.json``)."""

    name: str | None = Field(None, min_length=1, description="model name; default: folder name")
    description: str = Field("", description="for people")
    labels: LabelsSource = Field(description="label file in the folder, shipped, or a list")
    input: InputSpec = Field(description="the network input")
    backends: dict[str, BackendSection] = Field(
        min_length=1, description="per runtime: model file and post-processing"
    )
    origin: Origin = Field(Origin(), description="where the model comes from")


def validate_manifest(values: dict[str, Any], where: str) -> Manifest:
    """A manifest dict checked whole; a ModelError names every bad key on one line."""
    try:
        return Manifest.model_validate(values)
    except ValidationError as error:
        raise ModelError(f"{where}: {describe_problems(error)}") from error


def describe_problems(error: ValidationError) -> str:
    """Each problem as ``key.path: what is wrong``, joined on one line."""
    problems = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(manifest)"
        if problem["type"] == "extra_forbidden":
            problems.append(f"{key}: unknown key")
            continue
        if problem["type"] == "missing":
            problems.append(f"{key}: missing")
            continue
        message = problem["msg"].removeprefix("Value error, ")
        given = problem.get("input")
        if (
            problem["type"] != "value_error"
            and isinstance(given, (int, float, str))
            and len(repr(given)) <= 40
        ):
            message = f"{message} (not {given!r})"
        problems.append(f"{key}: {message}")
    return "; ".join(problems)
