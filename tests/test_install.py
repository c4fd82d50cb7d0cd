"""Installed from a wheel (not in editable mode), xltools finds its schema files."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import REPO, WORKBOOKS


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((root / "dist").glob("xltools-*.whl"))
    # The venv sees the packages of the interpreter running the tests (a venv of its
    # own, or a system Python) for the dependencies, but not the source tree:
    # xltools itself comes from the wheel. A .pth file names those site-packages;
    # `system_site_packages` would name the base interpreter's, which in a venv
    # lacks them.
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    inner = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(inner) / "outer-site-packages.pth").write_text("\n".join(sorted(outer)) + "\n", encoding="utf-8")
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


def test_the_wheel_installs_with_its_excel_extra(installed):
    """What a clerk runs: the wheel's path with [excel] (never the bare name, which on
    the public index is another project). The extra's xlwings comes from the
    environment running the tests, so no download is needed."""
    root, python = installed
    wheel = next((root / "dist").glob("xltools-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index",
                    f"{wheel}[excel]"], check=True, capture_output=True, timeout=300)
    out = subprocess.run([str(python), "-c", "import xlwings, xltools.excel; print(xltools.excel.check.__module__)"],
                         cwd=root, check=True, capture_output=True, text=True).stdout.strip()
    assert out == "xltools.excel.bridge"
    said = subprocess.run([str(root / "venv" / "bin" / "xltools"), "excel-setup", "-o", str(root / "x.xlsm")],
                          cwd=root, check=True, capture_output=True, text=True).stdout
    assert f'pip install "{wheel}[excel]"' in said  # the exact command for this copy


def test_the_wheel_ships_xltools_and_nothing_of_the_repository_beside_it(installed):
    """samples/, the fictitious reports of the tests, bench and examples, is no clerk's."""
    import zipfile

    root, _ = installed
    wheel = next((root / "dist").glob("xltools-*.whl"))
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"xltools"}
    assert not any("sample" in name for name in zipfile.ZipFile(wheel).namelist())
