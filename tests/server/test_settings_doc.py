"""README.md's settings table is what the binary prints from its settings table, and its scope
list is the spec's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import List

import yaml
from stacklens_server import BINARY, REPO

HEADER = "| flag | environment | default | meaning |"


def readme_settings_table(readme: Path) -> List[str]:
    lines = readme.read_text(encoding="utf-8").splitlines()
    assert lines.count(HEADER) == 1, f"README.md should have one table starting with {HEADER!r}"
    start = lines.index(HEADER)
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def test_readme_settings_table_is_the_binarys() -> None:
    printed = subprocess.run([str(BINARY), "serve", "--print-settings"], capture_output=True, text=True,
                             check=True, timeout=30).stdout.splitlines()
    assert printed[0] == HEADER
    assert readme_settings_table(REPO / "README.md") == printed, (
        "README.md's settings table differs from the binary's; replace it with the output of "
        "`stacklens serve --print-settings`")


def test_help_shows_each_default_once() -> None:
    out = subprocess.run([str(BINARY), "serve", "--help"], capture_output=True, text=True, check=True,
                         timeout=30).stdout
    assert "(default 8480) [env STACKLENS_PORT]" in out
    assert "(default 8388608) [env STACKLENS_MAX_BODY_BYTES]" in out


def test_readme_scopes_are_the_specs() -> None:
    spec = yaml.safe_load((REPO / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"Scopes: (.*?)\.\n", readme, re.S)
    assert listed, "README.md should list the scopes after 'Scopes: '"
    assert re.findall(r"`([a-z]+:[a-z]+)`", listed.group(1)) == spec["components"]["schemas"]["Scope"]["enum"]
