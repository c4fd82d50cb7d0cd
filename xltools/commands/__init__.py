"""What the commands do beyond the library: rendering results, finding input
files, filling, marking, merging with its summary workbook, exporting, importing
many documents. cli.py wires them to the command line."""
