"""`python -m xltools`, where the `xltools` script is not on PATH (Windows without Scripts)."""
from xltools.cli import main

main()
