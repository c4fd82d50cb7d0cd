"""Where the schema files are: inside the installed package, or beside it in a checkout."""
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # xltools/


def data_dir(name: str) -> Path:
    # A wheel carries schemas/ inside the package (see pyproject.toml); a source
    # checkout and an editable install keep it at the top of the repository.
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name
