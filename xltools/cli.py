"""The `xltools` command. Each command is a thin wrapper over the library; heavy
libraries are imported inside the commands so that `xltools --help` starts at once.

Every message comes from schemas/words.yaml, in the language of `--lang` (default:
the environment variable XLTOOLS_LANG, else Chinese). A problem with what the user
gave is one line and exit 2; an unexpected error is one line naming a log file."""
from __future__ import annotations

import atexit
import gc
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from xltools.documents.sources import KINDS  # standard library only: --help stays instant

EXIT_UNREADABLE = 2
LANG_VARIABLE = "XLTOOLS_LANG"  # zh or en: the default of every --lang
WORKBOOK = (".xlsx",)


def _default_lang() -> str:
    return "en" if os.environ.get(LANG_VARIABLE, "").strip().lower().startswith("en") else "zh"


def _lang_asked(args: list[str]) -> str:
    """The language of a command line (its --lang, else XLTOOLS_LANG, else zh), for
    words said before or after click has read the options."""
    for i, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else \
            args[i + 1] if arg == "--lang" and i + 1 < len(args) else None
        if value in ("zh", "en"):
            return value
    return _default_lang()


def _words(lang: str) -> dict:
    from xltools.model.schema import words

    return words(lang)


def _fail(lang: str, word: str, **params) -> None:
    click.echo("xltools: " + _words(lang)[word].format(**params), err=True)
    sys.exit(EXIT_UNREADABLE)


def _no_workbooks(found, files, lang: str) -> None:
    """Exit 2 when the files named hold no workbook, naming what they held instead."""
    from xltools.commands.render import skipped_lines

    if not found.files:
        for line in skipped_lines(found.skipped, lang):
            click.echo(line, err=True)
        _fail(lang, "no_workbooks", paths="、".join(files))


def _refuse(exc, lang: str) -> None:
    """A problem with what the user gave (a UserError): one line, exit 2."""
    click.echo("xltools: " + exc.message(lang), err=True)
    sys.exit(EXIT_UNREADABLE)


def _claim(path: Path, suffixes: tuple[str, ...], force: bool, lang: str, inputs=()) -> None:
    """Check an output path before any work is done."""
    from xltools.commands.outputs import OutputError, claim

    try:
        claim(path, suffixes, force, list(inputs))
    except OutputError as exc:
        _refuse(exc, lang)


def _backup(path, lang: str) -> None:
    """Just before a file the user named is replaced (--force): a copy, and where it is."""
    from xltools.commands.outputs import keep_backup

    try:
        backup = keep_backup(Path(path))
    except OSError as exc:
        _cannot_write(path, exc, lang)
    if backup is not None:
        click.echo(_words(lang)["backed_up"].format(path=backup), err=True)


def _cannot_write(path, exc: OSError, lang: str) -> None:
    from xltools.commands.outputs import reason

    _fail(lang, "cannot_write", path=path, reason=reason(exc, lang))


def _write_out(text: str, output: str | None, lang: str, bom: bool = False) -> None:
    if output is None:
        click.echo(("\ufeff" if bom else "") + text, nl=False)
        return
    from xltools.xlsx.saver import atomic_output

    try:
        with atomic_output(Path(output)) as fh:
            fh.write(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    except OSError as exc:
        _cannot_write(output, exc, lang)


@contextmanager
def _speaking(lang: str):
    """click's own words (usage errors, help) in the language of the command line,
    while an error is shown: each of its modules looks its messages up through a
    gettext function of its own, which is pointed at schemas/words.yaml, and given
    back afterwards (a program may run the command line again)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    table = _words(lang)["click"]

    def say(message: str) -> str:
        return table.get(message, message)

    def say_n(one: str, many: str, n: int) -> str:
        return say(one if n == 1 else many)

    modules = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types)
    saved = [(m, m.__dict__.get("_"), m.__dict__.get("ngettext")) for m in modules]
    for module in modules:
        module._ = say
        if hasattr(module, "ngettext"):
            module.ngettext = say_n
    try:
        yield table
    finally:
        for module, gettext, ngettext in saved:
            module._ = gettext
            if ngettext is not None:
                module.ngettext = ngettext


def _retold(message: str, table: dict[str, str]) -> str:
    """A message click put together before its words were looked up (a value is
    checked as the command line is read: "File '/x.xlsx' does not exist."), told
    again from the same template in the table."""
    import re

    for english, said in table.items():
        if "{" not in english:
            continue
        pattern = re.sub(r"\\\{(\w+)(?:!r)?\\\}", r"(?P<\1>.+?)", re.escape(english))
        found = re.fullmatch(pattern, message)
        if found:
            values = {k: table.get(v.lower(), v) if k == "name" else v for k, v in found.groupdict().items()}
            return said.replace("!r}", "}").format(**values)
    return message


class _Commands(click.Group):
    """Every command runs inside one guard: an exception nobody expected becomes one
    line that names a log file with the traceback (exit 2), never a traceback on
    the clerk's screen; `xltools --debug …` shows it instead."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's usage errors in the language of the command line; its words are
        loaded only then, so that `--help` stays instant."""
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            with _speaking(_lang_asked(list(sys.argv[1:] if args is None else args))) as table:
                exc.message = _retold(exc.message, table)
                exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            with _speaking(_lang_asked(list(sys.argv[1:] if args is None else args))):
                click.echo(click.core._("Aborted!"), err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt,
                GeneratorExit):
            raise
        except BaseException as exc:  # a Rust panic in a parser is not an Exception
            if ctx.params.get("debug"):
                raise
            _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    import datetime
    import tempfile
    import traceback

    w = _words(_lang_asked(sys.argv[1:]))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        folder = Path(tempfile.gettempdir()) / "xltools-logs"
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / f"xltools-{stamp}-{os.getpid()}.log"
        log.write_text(f"xltools {_version()}\n{' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(exc)),
                       encoding="utf-8")
        where = str(log)
    except OSError:
        where = w["internal_error_no_log"]
    click.echo(w["internal_error"].format(error=f"{type(exc).__name__}: {exc}"[:200], log=where), err=True)
    sys.exit(EXIT_UNREADABLE)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xltools")
    except PackageNotFoundError:
        return "(source)"


def _lang_option(f):
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=_default_lang,
                        help=f"Language of the messages (default: ${LANG_VARIABLE}, else zh).")(f)


def _force_option(f):
    return click.option("--force", is_flag=True,
                        help="Replace an existing output file (it is backed up first).")(f)


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


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xltools")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
def main(debug: bool) -> None:
    """政府信息公开工作年度报告的标准表格：生成、检查、补全、汇总、导入、发布。

    Standard workbooks for the annual government information disclosure report:
    template, check, fill, merge, import from documents, publish the report.
    """
    # The command line never generates test data, but pandera imports hypothesis's
    # strategies whenever hypothesis is installed (the test extra: with trio, which
    # selenium brings, 0.3 s of every check). Where nothing has imported it yet, it
    # is taken as absent, which pandera allows for.
    sys.modules.setdefault("hypothesis", None)


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Workbook to write (.xlsx).")
@click.option("--unit", help="单位名称 to fill in on the cover sheet.")
@click.option("--year", type=int, help="报告年度 to fill in on the cover sheet.")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False),
              help="A report as JSON (see `xltools export`): write a filled workbook.")
@_force_option
@_lang_option
def template(output: str, unit: str | None, year: int | None, data: str | None, force: bool, lang: str) -> None:
    """Write the standard workbook template, empty or filled from JSON."""
    from xltools.model.report import Report, ReportError
    from xltools.model.values import year_range
    from xltools.xlsx.writer import write, write_template

    first, last = year_range()
    if year is not None and not first <= year <= last:
        _fail(lang, "year_range", year=year, first=first, last=last)
    report = None
    if data is not None:
        try:
            report = Report.from_json_bytes(Path(data).read_bytes())
        except ReportError as exc:
            _fail(lang, "in_file", path=data, message=exc.message(lang))
        report.meta["unit"] = unit if unit is not None else report.meta["unit"]
        report.meta["year"] = year if year is not None else report.meta["year"]
    _claim(Path(output), WORKBOOK, force, lang)
    _backup(output, lang)
    try:
        if report is None:
            write_template(output, unit=unit, year=year)
        else:
            write(report, output)
    except ReportError as exc:
        _fail(lang, "in_file", path=data, message=exc.message(lang))
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["wrote"].format(path=output), err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), default="json",
              show_default=True, help="json: one object for one file, JSON Lines for several.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="CSV: start with a byte order mark, so that Excel on Chinese Windows reads it as UTF-8.")
@_force_option
@_lang_option
def export(files: tuple[str, ...], fmt: str, output: str | None, bom: bool, force: bool, lang: str) -> None:
    """Read filled workbooks back as data (every field id, blanks as null)."""
    from xltools.commands.export import FORMATS
    from xltools.commands.inputs import expand
    from xltools.xlsx.reader import ReadError, read

    found = expand(list(files))
    if not found.files:
        _fail(lang, "no_workbooks", paths="、".join(files))
    if output:
        _claim(Path(output), (f".{fmt}", ".txt"), force, lang, found.files)
    try:
        reports = [(p, read(p)) for p in found.files]
    except ReadError as exc:
        _fail(lang, "in_file", path=exc.path, message=exc.finding.message(lang))
    if output:
        _backup(output, lang)
    _write_out(FORMATS[fmt](reports), output, lang, bom=bom and fmt == "csv")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--previous", multiple=True, type=click.Path(exists=True),
              help="Last year's workbook(s) or folder, for W1/W2; matched by credit code or unit name.")
@click.option("--annotate", "annotate_to", type=click.Path(),
              help="Write a marked copy: a file for one input, a folder for several.")
@click.option("--strict", is_flag=True, help="Exit 1 on any unexplained warning too.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@_force_option
@_lang_option
def check(files, fmt, previous, annotate_to, strict, output, force, lang) -> None:
    """Check filled workbooks against every rule of the format.

    Exit status: 0 no errors, 1 errors (with --strict: or unexplained warnings),
    2 a file could not be read.
    """
    from xltools.commands.inputs import expand
    from xltools.commands.render import render_json, render_text
    from xltools.rules.batch import check_paths

    found = expand(list(files))
    _no_workbooks(found, files, lang)
    if output:
        _claim(Path(output), (".txt", ".json", ".log"), force, lang, found.files)
    targets = _annotate_targets(found.files, Path(annotate_to), force, lang) if annotate_to else {}
    with _batch():
        results = check_paths(found.files, expand(list(previous)).files)
    if output:
        _backup(output, lang)
    _write_out((render_json if fmt == "json" else render_text)(results, lang, found.skipped), output, lang)
    if annotate_to:
        _annotate(results, targets, lang)
    if any(r.unreadable for r in results):
        sys.exit(EXIT_UNREADABLE)
    if any(r.errors or (strict and r.unexplained) for r in results):
        sys.exit(1)


def _annotate_targets(files: list[Path], target: Path, force: bool, lang: str) -> dict[Path, Path]:
    """The marked copy of each input, checked before anything is read: one file for
    one input, an existing folder for several."""
    if len(files) > 1 and not target.is_dir():
        _fail(lang, "annotate_folder", path=target)
    out = {f: target / f"{f.stem}.检查结果.xlsx" if target.is_dir() else target for f in files}
    for f, path in out.items():
        _claim(path, WORKBOOK, force, lang, files)
    return out


def _annotate(results, targets: dict[Path, Path], lang: str) -> None:
    from xltools.commands.annotate import annotate

    for r in results:
        if r.unreadable is None:
            _backup(targets[r.path], lang)
            try:
                annotate(r.path, r, targets[r.path], lang)
            except OSError as exc:
                _cannot_write(targets[r.path], exc, lang)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the completed workbook here.")
@click.option("--in-place", is_flag=True, help="Replace FILE, after keeping a backup FILE.bak.xlsx.")
@_force_option
@_lang_option
def fill(file: str, output: str | None, in_place: bool, force: bool, lang: str) -> None:
    """Complete the totals: formulas with their values, blank details 0.

    Refuses (exit 1) a workbook whose structure or numbers make it unsafe, and
    leaves it untouched.
    """
    from xltools.commands.fill import fill as fill_workbook
    from xltools.commands.render import render_fill
    from xltools.xlsx.reader import ReadError

    if bool(output) == in_place:
        _fail(lang, "fill_target")
    if output:
        if Path(output).resolve() == Path(file).resolve():
            _fail(lang, "fill_in_place", path=output)
        _claim(Path(output), WORKBOOK, force, lang)
        _backup(output, lang)
    try:
        result = fill_workbook(Path(file), Path(output) if output else None, in_place=in_place)
    except ReadError as exc:
        _fail(lang, "in_file", path=exc.path, message=exc.finding.message(lang))
    except OSError as exc:
        _cannot_write(output or file, exc, lang)
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
        self.done += n
        if self.live and self.clock() - self.start > 1:
            self.shown = True
            click.echo("\r" + _words(self.lang)["progress"].format(done=self.done, total=self.total),
                       nl=False, err=True)

    def close(self) -> None:
        if self.shown:
            click.echo(err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The summary workbook to write.")
@click.option("--unit", required=True, help="单位名称 of the summary, e.g. the county.")
@click.option("--year", type=int, help="报告年度 (default: the year most inputs report).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False),
              help="CSV of the units that must report: 统一社会信用代码, 单位名称[, 上级单位, 类型].")
@click.option("--jobs", type=click.IntRange(1, None), help="Worker processes (default: the number of CPUs).")
@click.option("--strict", is_flag=True, help="Write nothing when any input is excluded.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False),
              help="Last year's summary (or published report): the change in the drafted text, a chart of both "
                   "years, and compare's findings between them.")
@click.option("--draft/--no-draft", default=True, show_default=True,
              help="Draft the figure sentences of 一（二） and 四 into the summary's text.")
@click.option("--allow-incomplete", is_flag=True,
              help="Draft the figure sentences even when units are missing or excluded.")
@_force_option
@_lang_option
def merge(inputs, output, unit, year, roster, jobs, strict, previous, draft, allow_incomplete, force, lang) -> None:
    """Add up units' workbooks into a summary that is itself a report, with 分类汇总,
    图表 and the figure sentences drafted into its empty text.

    Exit status: 0 all merged and nobody missing; 1 written, but inputs excluded or
    roster units missing; 2 nothing written.
    """
    from xltools.commands.inputs import expand
    from xltools.commands.merge import MergeError
    from xltools.commands.merge import merge as merge_all
    from xltools.commands.render import render_merge
    from xltools.commands.roster import RosterError, read_roster
    from xltools.commands.summary import write_summary
    from xltools.model.values import year_range

    if not unit.strip():
        _fail(lang, "unit_blank")
    first, last = year_range()
    if year is not None and not first <= year <= last:
        _fail(lang, "year_range", year=year, first=first, last=last)
    found = expand(list(inputs))
    out = Path(output)
    _claim(out, WORKBOOK, force, lang, found.files)
    try:
        units = read_roster(Path(roster)) if roster else None
    except RosterError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _fail(lang, "cannot_read", path=roster, reason=exc.strerror or exc)
    progress = _Progress(len(found.files), lang)
    with _batch():
        try:
            result = merge_all(found.files, unit, year, units, jobs, found.skipped, progress)
        except MergeError as exc:
            _refuse(exc, lang)
        finally:
            progress.close()
        why = "nothing" if result.summary is None else "strict" if strict and result.excluded else None
        last = _last_year(previous, result, jobs, lang) if previous and why is None else None
        if why is None:
            _backup(out, lang)
            try:
                write_summary(result, out, last, draft, allow_incomplete)
            except OSError as exc:
                _cannot_write(output, exc, lang)
    click.echo(render_merge(result, output, why is None, why, lang), nl=False)
    if why is None:
        _draft_note(result, draft, allow_incomplete, lang)
    if last is not None:
        from xltools.commands.county import against_last_year
        from xltools.commands.render import render_compare

        click.echo(render_compare(against_last_year(last, out), lang), nl=False)
    if why is not None:
        sys.exit(EXIT_UNREADABLE)
    if result.excluded or result.missing:
        sys.exit(1)


def _draft_note(result, draft: bool, allow_incomplete: bool, lang: str) -> None:
    """Why a merge that leaves units out drafted no figure sentences (or did anyway)."""
    from xltools.commands.county import draft_note

    note = draft_note(result, draft, allow_incomplete, lang)
    if note:
        click.echo(note)


def _last_year(path: str, result, jobs, lang: str):
    """Last year's summary for merge --previous, read as compare reads it; one line and
    exit 2 when it cannot serve, before anything is written."""
    from xltools.commands.compare import CompareError
    from xltools.commands.county import last_year

    try:
        return last_year(Path(path), result, jobs)
    except CompareError as exc:
        _refuse(exc, lang)


@main.command("import")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Workbook to write, for one report.")
@click.option("--out-dir", type=click.Path(file_okay=False),
              help="Folder for the workbooks, each named after unit and year (default: the current folder).")
@click.option("--format", "kind", type=click.Choice(["auto", *KINDS]), default="auto", show_default=True,
              help="What the reports are; auto looks at each file.")
@click.option("-f", "--report-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_force_option
@_lang_option
def import_(reports, output, out_dir, kind, fmt, force, lang) -> None:
    """Turn published reports (text, HTML, Word .docx, PDF) into standard workbooks,
    then check them. Values that cannot be placed with confidence stay blank and
    are reported (I1–I4); totals are kept as published, so check finds the
    report's own mistakes. Exit status as for check."""
    from xltools.commands.importing import import_paths
    from xltools.commands.inputs import DOCUMENT_SUFFIXES, expand
    from xltools.commands.render import render_json, render_text

    paths = expand(list(reports), DOCUMENT_SUFFIXES).files
    if not paths:
        _fail(lang, "no_documents", paths="、".join(reports))
    if output and len(paths) > 1:
        _fail(lang, "import_one_output")
    if output:
        _claim(Path(output), WORKBOOK, force, lang, paths)
        _backup(output, lang)
    try:
        done = import_paths(paths, Path(output) if output else None, Path(out_dir or "."), kind)
    except OSError as exc:
        _cannot_write(output or out_dir or ".", exc, lang)
    w = _words(lang)
    if fmt == "json":
        click.echo(render_json([d.result for d in done], lang), nl=False)
    else:
        for d in done:
            if d.out is not None:
                click.echo(w["imported"].format(source=d.source, out=d.out, format=d.format))
        click.echo(render_text([d.result for d in done], lang), nl=False)
    results = [d.result for d in done]
    if any(r.unreadable for r in results):
        sys.exit(EXIT_UNREADABLE)
    if any(r.errors for r in results):
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Document to write: .docx, .html or .md.")
@click.option("--with-errors", is_flag=True, help="Publish even when the check finds errors (they are listed).")
@click.option("--breakdown", type=click.Choice(["kind", "unit"]), is_flag=False, flag_value="kind",
              help="A summary's appendix: the main figures by kind of unit (--breakdown), or unit by unit too "
                   "(--breakdown unit).")
@click.option("--allow-incomplete", is_flag=True,
              help="Publish a summary that leaves units out; the report then says how many it covers.")
@_force_option
@_lang_option
def publish(file: str, output: str, with_errors: bool, breakdown: str | None, allow_incomplete: bool, force: bool,
            lang: str) -> None:
    """Write the report document from a checked workbook: the six sections, the
    unit's text and the tables in the national layout.

    Refuses a workbook with errors unless --with-errors, and a summary whose
    上报情况 leaves units out unless --allow-incomplete; warnings are listed. Exit
    status: 0 written, 1 refused, 2 the workbook cannot be read.
    """
    from xltools.commands.coverage import of_summary
    from xltools.commands.render import render_text
    from xltools.documents.publish import WRITERS, Part
    from xltools.documents.publish import publish as write_document
    from xltools.rules.batch import check_paths

    out = Path(output)
    _claim(out, tuple(WRITERS), force, lang, [Path(file)])
    [result] = check_paths([Path(file)])
    if result.unreadable:
        click.echo(render_text([result], lang), nl=False)
        sys.exit(EXIT_UNREADABLE)
    w = _words(lang)
    if result.errors and not with_errors:
        click.echo(render_text([result], lang), nl=False)
        click.echo(w["publish_refused"].format(path=file))
        sys.exit(1)
    cover = of_summary(Path(file))
    if cover is not None and not cover.complete and not allow_incomplete:
        click.echo(w["publish_incomplete"].format(path=file, **cover.params(lang)))
        sys.exit(1)
    preface = [Part("paragraph", cover.sentence())] if cover is not None and not cover.complete else []
    appendix = _breakdown(result.report, Path(file), breakdown, lang) if breakdown else []
    if result.findings:
        click.echo(render_text([result], lang), nl=False)
    _backup(out, lang)
    try:
        write_document(result.report, out, appendix, preface)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(w["published"].format(out=out, unit=result.unit, year=result.year))


def _breakdown(report, path: Path, by: str, lang: str) -> list:
    from xltools.commands.breakdown import BreakdownError, breakdown

    try:
        return breakdown(report, path, per_unit=by == "unit")
    except BreakdownError as exc:
        _refuse(exc, lang)


@main.command("excel-setup")
@click.option("-o", "--output", default="政府信息公开年度报告.xlsm", show_default=True,
              type=click.Path(dir_okay=False), help="Macro-enabled workbook to write (.xlsm).")
@click.option("--unit", help="单位名称 to fill in on the cover sheet.")
@click.option("--year", type=int, help="报告年度 to fill in on the cover sheet.")
@_force_option
@_lang_option
def excel_setup(output: str, unit: str | None, year: int | None, force: bool, lang: str) -> None:
    """Write the template with buttons 检查 / 填写合计 / 清除标记 (.xlsm) and print how
    to set up Excel for them (xlwings add-in)."""
    from xltools.excel.macrobook import install_command, write_macro_template
    from xltools.model.values import year_range

    first, last = year_range()
    if year is not None and not first <= year <= last:
        _fail(lang, "year_range", year=year, first=first, last=last)
    _claim(Path(output), (".xlsm",), force, lang)
    _backup(output, lang)
    try:
        write_macro_template(output, unit=unit, year=year)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["excel_setup"].format(out=output, install=install_command()))


@main.command()
@click.argument("old", type=click.Path(exists=True))
@click.argument("new", type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the comparison workbook (.xlsx).")
@click.option("--jobs", type=click.IntRange(1, None), help="Worker processes (default: the number of CPUs).")
@_force_option
@_lang_option
def compare(old: str, new: str, fmt: str, output: str | None, jobs: int | None, force: bool, lang: str) -> None:
    """Compare two reports, or two folders of them: last year's with this year's,
    the approved workbook with the published page, a summary with its units' folder.

    Each side is a workbook, a document import reads, or a folder. Exit status: 0
    nothing flagged as an error, 1 errors, 2 unreadable or misused.
    """
    from xltools.commands.compare import CompareError
    from xltools.commands.compare import compare as compare_paths
    from xltools.commands.render import render_compare, render_compare_json

    if output:
        _claim(Path(output), WORKBOOK, force, lang)
    try:
        result = compare_paths(Path(old), Path(new), jobs)
    except CompareError as exc:
        _refuse(exc, lang)
    click.echo((render_compare_json if fmt == "json" else render_compare)(result, lang), nl=False)
    if output and result.pairs:
        from xltools.commands.comparebook import write_comparison

        _backup(output, lang)
        try:
            write_comparison(result, Path(output), lang)
        except OSError as exc:
            _cannot_write(output, exc, lang)
    if result.unreadable and result.kind != "folders":
        sys.exit(EXIT_UNREADABLE)
    if any(f.severity == "error" for f in result.all_findings):
        sys.exit(1)


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



# --- The county's review desk (issue 20): a ledger of every unit's versions and the
# office's decisions, and its web page. Each command is a thin wrapper over xltools.desk.

def _who() -> str:
    import getpass

    try:
        return f"office:cli:{getpass.getuser()}"
    except Exception:  # no user name on this system: the record still says it was the command line
        return "office:cli:"


def _open_desk(folder: str, lang: str):
    from xltools.desk.service import Desk
    from xltools.desk.settings import DeskError

    try:
        return Desk(Path(folder))
    except DeskError as exc:
        _refuse(exc, lang)


def _desk_unit(desk, text: str, lang: str):
    from xltools.desk.settings import DeskError

    try:
        return desk.find_unit(text)
    except DeskError as exc:
        _refuse(exc, lang)


def _on_unit(folder: str, unit: str, lang: str, act):
    """Open the desk, find the unit, do `act(desk, unit)`; what the desk cannot do is one line."""
    from xltools.desk.settings import DeskError

    d = _open_desk(folder, lang)
    u = _desk_unit(d, unit, lang)
    try:
        return d, u, act(d, u)
    except DeskError as exc:
        _refuse(exc, lang)


def _date_option(name: str, help: str):
    return click.option(name, type=click.DateTime(formats=["%Y-%m-%d"]), help=help)


@main.group()
def desk() -> None:
    """The county's review desk: a ledger of every unit's submissions, returns,
    approvals and publications (审核台). Start its web page with `xltools serve`."""


@desk.command("init")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV of the units: 统一社会信用代码, 单位名称[, 上级单位, 类型].")
@click.option("--year", required=True, type=int, help="报告年度 the desk receives.")
@click.option("--unit", help="The summary's unit (the county), for `desk merge`.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="The address units reach the page at; each unit's link starts with it.")
@_date_option("--submit-by", "Units submit by this date (default: 1月31日 of the next year).")
@_date_option("--publish-by", "Units publish by this date (default: 1月31日 of the next year).")
@_lang_option
def desk_init(folder, roster, year, unit, base_url, submit_by, publish_by, lang) -> None:
    """Set up a desk for a year's roster: the ledger, one private upload link per
    unit (FOLDER/单位链接.csv) and the office's password (printed once)."""
    from xltools.commands.roster import RosterError, read_roster
    from xltools.desk.service import create
    from xltools.desk.settings import DeskError
    from xltools.model.values import year_range

    first, last = year_range()
    if not first <= year <= last:
        _fail(lang, "year_range", year=year, first=first, last=last)
    try:
        made = create(Path(folder), read_roster(Path(roster)), year, _who(), unit, base_url,
                      submit_by.date() if submit_by else None, publish_by.date() if publish_by else None)
    except (DeskError, RosterError) as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(folder, exc, lang)
    d = made.desk
    click.echo(_words(lang)["desk_created"].format(
        folder=folder, year=year, n=len(d.ledger.units()), submit_by=d.deadlines.submit,
        publish_by=d.deadlines.publish, links=made.links, password=made.password))
    for note in made.notes:
        click.echo("  " + note.message(lang))
    _warn_local_links(d, folder, lang)


def _warn_local_links(d, folder: str, lang: str) -> None:
    """Links only this computer can open are no use to a unit: say so, and how to change them."""
    from xltools.desk.service import this_computer_only

    if this_computer_only(d.base_url):
        click.echo(_words(lang)["desk_links_local"].format(base=d.base_url, folder=folder), err=True)


@desk.command("add")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@_lang_option
def desk_add(folder, files, lang) -> None:
    """File workbooks received by e-mail: each is checked and kept as the next
    version of the unit its cover names. Exit 1 when any was not received."""
    from xltools.commands.inputs import expand
    from xltools.commands.render import skipped_lines
    from xltools.desk.render import render_added

    d = _open_desk(folder, lang)
    found = expand(list(files))
    _no_workbooks(found, files, lang)
    received = d.add_files(found.files, _who())
    click.echo(render_added(received, lang), nl=False)
    for line in skipped_lines(found.skipped, lang):  # every file of the folder said, read or not
        click.echo(line)
    if any(r.version is None for r in received):
        sys.exit(1)


@desk.command("status")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_lang_option
def desk_status(folder, fmt, lang) -> None:
    """Every unit: status, latest version, errors and warnings, overdue first."""
    from xltools.desk.render import render_status, render_status_json

    d = _open_desk(folder, lang)
    standings = d.standings()
    click.echo(render_status_json(standings, lang) if fmt == "json" else render_status(d, standings, lang), nl=False)


@desk.command("return")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("--note", help="The note to the unit (default: drafted from the version's findings).")
@click.option("--version", "number", type=int, help="Refuse unless this is still the latest version.")
@_lang_option
def desk_return(folder, unit, note, number, lang) -> None:
    """Return UNIT's latest version for correction, with a note."""
    d, u, said = _on_unit(folder, unit, lang, lambda d, u: d.return_report(u, note, _who(), number, lang))
    click.echo(_words(lang)["desk_returned_done"].format(unit=u.name, number=d.standing(u).returned_number))
    click.echo(said)


@desk.command("note")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Word document to write (.docx).")
@_force_option
@_lang_option
def desk_note(folder, unit, output, force, lang) -> None:
    """Write the note returning UNIT's report as a Word document: the note it was
    returned with, or the note drafted from its latest version's findings."""
    from xltools.desk.note import write_docx

    _claim(Path(output), (".docx",), force, lang)
    _, _, text = _on_unit(folder, unit, lang, lambda d, u: d.note_text(u, lang))
    _backup(output, lang)
    try:
        write_docx(text, Path(output), lang)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["wrote"].format(path=output))


@desk.command("approve")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("--version", "number", type=int, help="Refuse unless this is still the latest version.")
@_lang_option
def desk_approve(folder, unit, number, lang) -> None:
    """File (备案) UNIT's latest version; a version with errors cannot be filed."""
    _, u, version = _on_unit(folder, unit, lang, lambda d, u: d.approve(u, _who(), number))
    click.echo(_words(lang)["desk_approved_done"].format(unit=u.name, number=version.number))


@desk.command("published")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("--url", required=True, help="Where the report was published.")
@click.option("--date", "day", required=True, help="When, as 2024-01-31.")
@_lang_option
def desk_published(folder, unit, url, day, lang) -> None:
    """Record that UNIT published its filed report (先备案后公布)."""
    _, u, _ = _on_unit(folder, unit, lang, lambda d, u: d.published(u, url, day, _who()))
    click.echo(_words(lang)["desk_published_done"].format(unit=u.name, date=day.strip(), url=url.strip()))


@desk.command("merge")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The summary workbook to write.")
@click.option("--unit", help="单位名称 of the summary (default: the desk's --unit).")
@click.option("--jobs", type=click.IntRange(1, None), help="Worker processes (default: the number of CPUs).")
@click.option("--allow-incomplete", is_flag=True,
              help="Draft the figure sentences even when units are not filed or excluded.")
@_force_option
@_lang_option
def desk_merge(folder, output, unit, jobs, allow_incomplete, force, lang) -> None:
    """Merge the filed version of every unit (as `xltools merge` with the roster);
    units not filed are listed as such in 上报情况. Exit 1 when any unit is not in
    the summary."""
    from xltools.desk.render import render_desk_merge
    from xltools.desk.settings import DeskError

    d = _open_desk(folder, lang)
    out = Path(output)
    _claim(out, WORKBOOK, force, lang)
    _backup(out, lang)
    try:
        result = d.merge(out, _who(), unit, jobs, allow_incomplete)
    except DeskError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(render_desk_merge(d, result, output, lang), nl=False)
    _draft_note(result, True, allow_incomplete, lang)
    if result.excluded or result.missing:
        sys.exit(1)


@desk.command("password")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@_lang_option
def desk_password(folder, lang) -> None:
    """Set a new password for the office (printed once; the old one stops working)."""
    d = _open_desk(folder, lang)
    click.echo(_words(lang)["desk_password_new"].format(password=d.reset_password(_who())))


@desk.command("links")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--base-url", required=True, help="The address units reach the page at, e.g. http://10.1.2.3:8000.")
@_lang_option
def desk_links(folder, base_url, lang) -> None:
    """Rewrite the units' links (单位链接.csv) to start with --base-url; the tokens stay."""
    from xltools.desk.settings import DeskError

    d = _open_desk(folder, lang)
    try:
        path, n = d.relink(base_url, _who())
    except DeskError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(d.path("links"), exc, lang)
    click.echo(_words(lang)["desk_links_done"].format(n=n, base=d.base_url, path=path))
    _warn_local_links(d, folder, lang)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the page reachable from other computers.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, None), help="Processes that check uploads (default: the number of CPUs).")
@_lang_option
def serve(folder, host, port, workers, lang) -> None:
    """Run the desk's web page: units upload by their links, the office reviews."""
    try:
        import uvicorn

        from xltools.desk.web import create_app
    except ImportError:
        _fail(lang, "desk_extra_missing")
    d = _open_desk(folder, lang)
    w = _words(lang)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(w["desk_serving_open"].format(host=host), err=True)
    click.echo(w["desk_serving"].format(host=host, port=port), err=True)
    uvicorn.run(create_app(d.folder, lang, workers), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
