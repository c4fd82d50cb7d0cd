"""The format and the report as data: the schema files loaded, a report's values,
totals, findings, and how cell values and credit codes are understood."""
