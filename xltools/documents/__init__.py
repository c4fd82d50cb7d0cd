"""Published documents: reading text, HTML, Word and PDF into lines (sources),
placing their values into a report (importer, labels, runs), and writing the
report document (publish)."""
