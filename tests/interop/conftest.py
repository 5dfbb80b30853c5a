"""Runs the third-party verifiers of ../shared/interop against the live server."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import pytest

VERIFY = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "verify"
HOME = pathlib.Path(os.environ.get("CAIRN_INTEROP_HOME",
                                   os.path.expanduser("~/.cache/cairn-interop")))


def _node_ready() -> bool:
    return VERIFY.exists() and bool(shutil.which("node")) and \
        (HOME / "node_modules" / ".cairn-ok").exists()


needs_node_verifiers = pytest.mark.skipif(
    not _node_ready(), reason="third-party verifiers not set up: run ../shared/interop/setup.sh")
needs_ob2_validator = pytest.mark.skipif(
    not (VERIFY.exists() and (HOME / "venv" / "bin" / "python").exists()),
    reason="IMS OB 2.0 validator not set up: run ../shared/interop/setup.sh")


def verify(kind: str, target, *options) -> dict:
    process = subprocess.run([str(VERIFY), kind, *options, str(target)], capture_output=True,
                             text=True, timeout=120)
    assert process.returncode in (0, 1), process.stdout + process.stderr
    return json.loads(process.stdout)
