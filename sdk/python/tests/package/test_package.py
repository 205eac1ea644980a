"""The package as users get it: `python -m build` makes an sdist and a wheel
(built from the sdist, so a file missing from the sdist fails here), and the
wheel installs into a fresh virtual environment with httpx as its only
dependency. Needs the `build` package and a reachable package index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path
from typing import Optional, Union

PROJECT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.name for p in (PROJECT / "src" / "stacklens").glob("*.py"))


def run(*args: Union[str, Path], cwd: Optional[Path] = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_builds_and_installs_in_a_fresh_venv(tmp_path: Path) -> None:
    # Build from a copy, so the checkout gets no build/ or *.egg-info.
    source = tmp_path / "source"
    shutil.copytree(
        PROJECT,
        source,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache", "build", "dist"),
    )
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, source)
    (sdist,) = dist.glob("stacklens-*.tar.gz")
    (wheel,) = dist.glob("stacklens-*-py3-none-any.whl")

    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "src/stacklens/py.typed"} <= names
    assert {f"src/stacklens/{m}" for m in MODULES} <= names
    with zipfile.ZipFile(wheel) as archive:
        packaged = {n for n in archive.namelist() if n.startswith("stacklens/")}
    assert packaged == {f"stacklens/{m}" for m in [*MODULES, "py.typed"]}

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    script = textwrap.dedent("""
        import importlib.metadata as metadata
        import json
        import httpx
        import stacklens

        assert stacklens.__version__ == metadata.version("stacklens")
        needs = [r for r in metadata.requires("stacklens") if "extra ==" not in r]
        assert needs == ["httpx>=0.24"], needs
        sent = []
        def answer(request):
            sent.append(json.loads(request.content))
            return httpx.Response(200, json={"accepted": 1})
        with stacklens.StackLens(api_key="sl-x", endpoint="http://127.0.0.1:8480",
                                 transport=httpx.MockTransport(answer)) as client:
            trace_id = client.trace("installed", model="m", provider="p",
                                    input_tokens=1, output_tokens=2)
        assert sent[0]["traceId"] == trace_id and sent[0]["llmSpan"]["totalTokens"] == 3
        print(stacklens.__file__)
    """)
    location = Path(run(python, "-c", script, cwd=tmp_path).strip())
    assert venv in location.parents  # the installed copy, not the checkout
