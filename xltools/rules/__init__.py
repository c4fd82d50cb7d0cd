"""Checking: the structure of a workbook, its cells, the arithmetic of all files at
once (pandera), the text rules, and the batch reader that checks many files."""
