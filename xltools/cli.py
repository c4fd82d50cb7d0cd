"""The `xltools` command. Each command is a thin wrapper over the library; heavy
libraries are imported inside the commands so that `xltools --help` starts at once."""
from __future__ import annotations

import atexit
import gc
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from xltools.documents.sources import (
    KINDS,  # standard library only: --help stays instant
)

EXIT_UNREADABLE = 2


def _fail(message: str) -> None:
    click.echo(f"xltools: {message}", err=True)
    sys.exit(EXIT_UNREADABLE)


def _write_out(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from xltools.xlsx.saver import atomic_output

    with atomic_output(Path(output)) as fh:
        fh.write(text.encode("utf-8"))


@contextmanager
def _batch():
    """Reading a batch of workbooks keeps every file's result and makes almost no
    garbage cycles, so the cycle collector only walks the heap: again and again as it
    grows (≈0.7 s of a 2,000-file merge), and once more at exit, pandas and all
    (≈0.3 s even for one file). It is off meanwhile; what the batch made then goes
    straight to the oldest generation, and nothing is walked at exit. Reference
    counting frees the rest as before; peak memory is unchanged."""
    was = gc.isenabled()
    gc.disable()
    atexit.register(gc.freeze)
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was:
            gc.enable()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xltools")
def main() -> None:
    """政府信息公开工作年度报告的标准表格：生成、检查、补全、汇总、导入、发布。

    Standard workbooks for the annual government information disclosure report:
    template, check, fill, merge, import from documents, publish the report.
    """


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Workbook to write (.xlsx).")
@click.option("--unit", help="单位名称 to fill in on the cover sheet.")
@click.option("--year", type=int, help="报告年度 to fill in on the cover sheet.")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False),
              help="A report as JSON (see `xltools export`): write a filled workbook.")
def template(output: str, unit: str | None, year: int | None, data: str | None) -> None:
    """Write the standard workbook template, empty or filled from JSON."""
    from xltools.model.report import Report, ReportError
    from xltools.xlsx.writer import write, write_template

    try:
        if data is None:
            write_template(output, unit=unit, year=year)
        else:
            report = Report.from_json(Path(data).read_text(encoding="utf-8-sig"))
            if unit is not None:
                report.meta["unit"] = unit
            if year is not None:
                report.meta["year"] = year
            write(report, output)
    except ReportError as exc:
        _fail(f"{data}: {exc}")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), default="json",
              show_default=True, help="json: one object for one file, JSON Lines for several.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
def export(files: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Read filled workbooks back as data (every field id, blanks as null)."""
    from xltools.commands.export import FORMATS
    from xltools.commands.inputs import expand
    from xltools.xlsx.reader import ReadError, read

    paths = expand(list(files)).files
    if not paths:
        _fail("no workbooks found in " + ", ".join(files))
    try:
        reports = [(p, read(p)) for p in paths]
    except ReadError as exc:
        _fail(exc.message())
    _write_out(FORMATS[fmt](reports), output)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the messages.")
@click.option("--previous", multiple=True, type=click.Path(exists=True),
              help="Last year's workbook(s) or folder, for W1/W2; matched by credit code or unit name.")
@click.option("--annotate", "annotate_to", type=click.Path(),
              help="Write a marked copy: a file for one input, a folder for several.")
@click.option("--strict", is_flag=True, help="Exit 1 on any unexplained warning too.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
def check(files, fmt, lang, previous, annotate_to, strict, output) -> None:
    """Check filled workbooks against every rule of the format.

    Exit status: 0 no errors, 1 errors (with --strict: or unexplained warnings),
    2 a file could not be read.
    """
    from xltools.commands.inputs import expand
    from xltools.commands.render import render_json, render_text
    from xltools.rules.batch import check_paths

    paths = expand(list(files)).files
    if not paths:
        _fail("no workbooks found in " + ", ".join(files))
    with _batch():
        results = check_paths(paths, expand(list(previous)).files)
    _write_out((render_json if fmt == "json" else render_text)(results, lang), output)
    if annotate_to:
        _annotate(results, Path(annotate_to), lang)
    if any(r.error for r in results):
        sys.exit(EXIT_UNREADABLE)
    if any(r.errors or (strict and r.unexplained) for r in results):
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the completed workbook here.")
@click.option("--in-place", is_flag=True, help="Replace FILE, after keeping a backup FILE.bak.xlsx.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def fill(file: str, output: str | None, in_place: bool, lang: str) -> None:
    """Complete the totals: formulas with their values, blank details 0.

    Refuses (exit 1) a workbook whose structure or numbers make it unsafe, and
    leaves it untouched.
    """
    from xltools.commands.fill import fill as fill_workbook
    from xltools.commands.render import render_fill
    from xltools.xlsx.reader import ReadError

    if bool(output) == in_place:
        _fail("give either -o OUT.xlsx or --in-place")
    try:
        result = fill_workbook(Path(file), Path(output) if output else None, in_place=in_place)
    except ReadError as exc:
        _fail(str(exc))
    except (OSError, ValueError) as exc:
        _fail(f"cannot write {output or file}: {getattr(exc, 'strerror', None) or exc}")
    click.echo(render_fill(result, lang), nl=False)
    if result.refused is not None:
        sys.exit(1)


class _Progress:
    """A counter on stderr, only on a terminal and only once a run passes a second."""

    def __init__(self, total: int, lang: str):
        import time

        self.total, self.done, self.lang = total, 0, lang
        self.start, self.clock = time.monotonic(), time.monotonic
        self.shown = False
        self.live = sys.stderr.isatty()

    def __call__(self, n: int) -> None:
        from xltools.model.schema import words

        self.done += n
        if self.live and self.clock() - self.start > 1:
            self.shown = True
            click.echo("\r" + words(self.lang)["progress"].format(done=self.done, total=self.total), nl=False, err=True)

    def close(self) -> None:
        if self.shown:
            click.echo(err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The summary workbook to write.")
@click.option("--unit", required=True, help="单位名称 of the summary, e.g. the county.")
@click.option("--year", type=int, help="报告年度 (default: the year most inputs report).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False),
              help="CSV of the units that must report: 统一社会信用代码, 单位名称[, 上级单位].")
@click.option("--jobs", type=click.IntRange(1, None), help="Worker processes (default: the number of CPUs).")
@click.option("--strict", is_flag=True, help="Write nothing when any input is excluded.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def merge(inputs, output, unit, year, roster, jobs, strict, lang) -> None:
    """Add up units' workbooks into a summary that is itself a report.

    Exit status: 0 all merged and nobody missing; 1 written, but inputs excluded or
    roster units missing; 2 nothing written.
    """
    from xltools.commands.inputs import expand
    from xltools.commands.merge import merge as merge_all
    from xltools.commands.render import render_merge
    from xltools.commands.roster import RosterError, read_roster
    from xltools.commands.summary import write_summary

    found = expand(list(inputs))
    out = Path(output)
    if any(out.resolve() == p.resolve() for p in found.files):
        _fail(f"{output} is one of the inputs; choose another output file")
    try:
        units = read_roster(Path(roster)) if roster else None
    except (RosterError, OSError) as exc:
        _fail(str(exc))
    progress = _Progress(len(found.files), lang)
    with _batch():
        result = merge_all(found.files, unit, year, units, jobs, found.skipped, progress)
        progress.close()
        why = "nothing" if result.summary is None else "strict" if strict and result.excluded else None
        if why is None:
            try:
                write_summary(result, out)
            except OSError as exc:
                _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(render_merge(result, output, why is None, why, lang), nl=False)
    if why is not None:
        sys.exit(EXIT_UNREADABLE)
    if result.excluded or result.missing:
        sys.exit(1)


def _annotate(results, target: Path, lang: str) -> None:
    from xltools.commands.annotate import annotate

    readable = [r for r in results if r.error is None]
    if len(results) > 1 and not target.is_dir():
        _fail(f"--annotate {target}: with several files, give an existing folder")
    for r in readable:
        out = target / f"{r.path.stem}.检查结果.xlsx" if target.is_dir() else target
        try:
            annotate(r.path, r, out, lang)
        except (OSError, ValueError) as exc:
            _fail(f"cannot write {out}: {getattr(exc, 'strerror', None) or exc}")


@main.command("import")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Workbook to write, for one report.")
@click.option("--out-dir", type=click.Path(file_okay=False),
              help="Folder for the workbooks, each named after unit and year (default: the current folder).")
@click.option("--format", "kind", type=click.Choice(["auto", *KINDS]), default="auto", show_default=True,
              help="What the reports are; auto looks at each file.")
@click.option("-f", "--report-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def import_(reports, output, out_dir, kind, fmt, lang) -> None:
    """Turn published reports (text, HTML, Word .docx, PDF) into standard workbooks,
    then check them. Values that cannot be placed with confidence stay blank and
    are reported (I1–I4); totals are kept as published, so check finds the
    report's own mistakes. Exit status as for check."""
    from xltools.commands.importing import import_paths
    from xltools.commands.inputs import DOCUMENT_SUFFIXES, expand
    from xltools.commands.render import render_json, render_text
    from xltools.model.schema import words

    paths = expand(list(reports), DOCUMENT_SUFFIXES).files
    if not paths:
        _fail("no reports found in " + ", ".join(reports))
    if output and len(paths) > 1:
        _fail("-o names one workbook; use --out-dir for several reports")
    done = import_paths(paths, Path(output) if output else None, Path(out_dir or "."), kind)
    w = words(lang)
    if fmt == "json":
        click.echo(render_json([d.result for d in done], lang), nl=False)
    else:
        for d in done:
            if d.out is not None:
                click.echo(w["imported"].format(source=d.source, out=d.out, format=d.format))
        click.echo(render_text([d.result for d in done], lang), nl=False)
    results = [d.result for d in done]
    if any(r.error for r in results):
        sys.exit(EXIT_UNREADABLE)
    if any(r.errors for r in results):
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Document to write: .docx, .html or .md.")
@click.option("--force", is_flag=True, help="Publish even when the check finds errors (they are listed).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def publish(file: str, output: str, force: bool, lang: str) -> None:
    """Write the report document from a checked workbook: the six sections, the
    unit's text and the tables in the national layout.

    Refuses a workbook with errors unless --force; warnings are listed. Exit
    status: 0 written, 1 refused, 2 the workbook cannot be read.
    """
    from xltools.commands.render import render_text
    from xltools.documents.publish import WRITERS
    from xltools.documents.publish import publish as write_document
    from xltools.model.schema import words
    from xltools.rules.batch import check_paths

    out = Path(output)
    if out.suffix.lower() not in WRITERS:
        _fail(f"{output}: write .docx, .html or .md")
    [result] = check_paths([Path(file)])
    if result.error:
        click.echo(render_text([result], lang), nl=False)
        sys.exit(EXIT_UNREADABLE)
    w = words(lang)
    if result.errors and not force:
        click.echo(render_text([result], lang), nl=False)
        click.echo(w["publish_refused"].format(path=file))
        sys.exit(1)
    if result.findings:
        click.echo(render_text([result], lang), nl=False)
    try:
        write_document(result.report, out)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(w["published"].format(out=out, unit=result.unit, year=result.year))


@main.command("excel-setup")
@click.option("-o", "--output", default="政府信息公开年度报告.xlsm", show_default=True,
              type=click.Path(dir_okay=False), help="Macro-enabled workbook to write (.xlsm).")
@click.option("--unit", help="单位名称 to fill in on the cover sheet.")
@click.option("--year", type=int, help="报告年度 to fill in on the cover sheet.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def excel_setup(output: str, unit: str | None, year: int | None, lang: str) -> None:
    """Write the template with buttons 检查 / 填写合计 / 清除标记 (.xlsm) and print how
    to set up Excel for them (xlwings add-in)."""
    from xltools.excel.macrobook import write_macro_template
    from xltools.model.schema import words

    if Path(output).suffix.lower() != ".xlsm":
        _fail(f"{output}: Excel opens macros only from a .xlsm file")
    try:
        write_macro_template(output, unit=unit, year=year)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(words(lang)["excel_setup"].format(out=output))


@main.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def fields(fmt: str) -> None:
    """List every field: id, sheet, cell, kind and labels."""
    from xltools.model.report import dumps
    from xltools.xlsx.layout import describe_fields

    rows = describe_fields()
    if fmt == "json":
        click.echo(dumps(rows))
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['sheet']}!{r['cell']}\t{r['kind']}\t{r['label']}")


if __name__ == "__main__":
    main()
