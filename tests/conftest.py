from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKBOOKS = REPO / "workbooks"
EXAMPLES = WORKBOOKS / "examples"
SAMPLE_COUNTY = EXAMPLES / "sample-county"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """Run LibreOffice headless with a profile of its own; convert(src, ext) → path."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc)")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(src: Path, ext: str = "xlsx") -> Path:
        out = src.parent / f"lo-{ext}"
        out.mkdir(exist_ok=True)
        subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
             "--convert-to", ext, "--outdir", str(out), str(src)],
            check=True, capture_output=True, timeout=180,
        )
        result = out / f"{src.stem}.{ext}"
        assert result.is_file(), f"LibreOffice wrote no {result}"
        return result

    return convert
