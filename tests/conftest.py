from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every property test draws the same examples (derandomised), so a failure
# there reproduces anywhere with `CI=1 pytest`; elsewhere hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent
# samples/, the fictitious reports, is the repository's and not installed with xltools:
# appended, so that an xltools installed from a wheel is still the one tested
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
WORKBOOKS = REPO / "workbooks"
EXAMPLES = WORKBOOKS / "examples"
SAMPLE_COUNTY = EXAMPLES / "sample-county"
DATA = Path(__file__).resolve().parent / "data"
# The seed states no figures of table 二 in 一（三） (T1). Tests of the other rules
# start from the seed with them written, so that their findings are their rule's.
SEED_FIGURES = "本年度未制发、废止规范性文件，现行有效规范性文件0件。"


def differing_parts(made: Path, committed: Path) -> list[str]:
    """The parts of two workbooks that differ, each with where its XML first
    differs: what a byte comparison that fails should say."""
    import zipfile

    with zipfile.ZipFile(made) as a, zipfile.ZipFile(committed) as b:
        out = [f"order: {a.namelist()} / {b.namelist()}"] if a.namelist() != b.namelist() else []
        for name in sorted(set(a.namelist()) | set(b.namelist())):
            x = a.read(name) if name in a.namelist() else b""
            y = b.read(name) if name in b.namelist() else b""
            if x != y:
                i = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
                out.append(f"{name} at {i}: {x[max(0, i - 80):i + 80]!r} / {y[max(0, i - 80):i + 80]!r}")
    return out


def seed_report():
    """The seed report as published, with the figures of 一（三） written."""
    from xltools import Report

    report = Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))
    report.text["overview.management"] += SEED_FIGURES
    return report


# LibreOffice trusts the values cached in an .xlsx unless told to recalculate; the
# tests want its own arithmetic, so the profile says: always recalculate on load.
_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="session")
def cli():
    """The command line as a user types it, through click's CliRunner:
    `cli("check", path, "--lang", "en")` → click's result (`.exit_code`, `.output`;
    `.stdout` and `.stderr` apart). Each argument is given as text (a path too), the
    program is called xltools as on a console, and click's settings pass through
    (`env=`, `input=`, `prog_name=`)."""
    from click.testing import CliRunner

    from xltools.cli import main

    def invoke(*args, **settings):
        return CliRunner().invoke(main, [str(a) for a in args], **{"prog_name": "xltools", **settings})

    return invoke


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout (the real reports and the spec the import tests
    read): required in CI, whose clone has it, as LibreOffice is; skipped elsewhere."""
    folder = REPO.parent / "shared"
    if not (folder / "realworld").is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared is required in CI: the import tests read its real reports")
        pytest.skip("../shared is not beside this checkout")
    return folder


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """Run LibreOffice headless with a profile of its own that recalculates every
    formula on load; convert(src, ext) → path."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc)")
    profile = tmp_path_factory.mktemp("lo-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE, encoding="utf-8")

    def convert(src: Path, ext: str = "xlsx") -> Path:
        out = src.parent / f"lo-{ext}"
        out.mkdir(exist_ok=True)
        subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", ext, "--outdir", str(out), str(src)],
            check=True, capture_output=True, timeout=180,
        )
        result = out / f"{src.stem}.{ext}"
        assert result.is_file(), f"LibreOffice wrote no {result}"
        return result

    return convert


def pytest_collection_modifyitems(items):
    """Markers that follow from what a test uses, so they cannot drift: `libreoffice`
    for tests that open files in LibreOffice, `slow` for property tests. The quick
    inner loop is `pytest -m "not slow and not libreoffice"`."""
    for item in items:
        if "soffice" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.libreoffice)
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)


# --- the review desk's tests: one checking worker a module, a desk of the sample county

@pytest.fixture(scope="module")
def checker():
    from xltools.desk.checking import Checker

    c = Checker(workers=1, warm=False)
    yield c
    c.close()


@pytest.fixture
def made(tmp_path):
    from desk_helpers import make_desk

    return make_desk(tmp_path / "审核台")


@pytest.fixture
def client(made, checker):
    from starlette.testclient import TestClient

    from xltools.desk.web import build_app

    with TestClient(build_app(made.desk.folder, checker=checker), follow_redirects=False) as c:
        yield c
