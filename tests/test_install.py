"""Installed from a wheel (not in editable mode), xltools finds its schema files."""
from __future__ import annotations

import subprocess
import sys
import venv

import pytest
from conftest import REPO, WORKBOOKS


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((root / "dist").glob("xltools-*.whl"))
    # The venv sees this interpreter's packages for the dependencies, but not the
    # source tree: xltools itself comes from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return root, python


def test_wheel_carries_the_schemas(installed):
    root, python = installed
    where = subprocess.run([str(python), "-c", "import xltools.model.resources as r; print(r.data_dir('schemas'))"],
                           cwd=root, check=True, capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(root / "venv")), where


def test_installed_command_writes_the_template(installed):
    root, python = installed
    out = root / "t.xlsx"
    subprocess.run([str(root / "venv" / "bin" / "xltools"), "template", "-o", str(out)],
                   cwd=root, check=True, capture_output=True, timeout=120)
    assert out.read_bytes() == (WORKBOOKS / "template.xlsx").read_bytes()
    fields = subprocess.run([str(root / "venv" / "bin" / "xltools"), "fields"], cwd=root, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    assert len(fields) == 217
