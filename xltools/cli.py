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
    """A command's --lang when none is given: `xltools --lang en COMMAND` speaks for
    the command too; else XLTOOLS_LANG, else Chinese."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params.get("lang") if ctx is not None else None
    if root is not None:
        return root
    return "en" if os.environ.get(LANG_VARIABLE, "").strip().lower().startswith("en") else "zh"


def _lang_asked(args: list[str]) -> str:
    """The language of a command line (its last --lang, else XLTOOLS_LANG, else zh),
    for words said before or after click has read the options: help, usage errors."""
    asked = None
    for i, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else \
            args[i + 1] if arg == "--lang" and i + 1 < len(args) else None
        asked = value if value in ("zh", "en") else asked
    return asked or _default_lang()


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
    except OSError as exc:  # a name the system refuses to look at (too long, a device's)
        _cannot_write(path, exc, lang)


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

    _fail(lang, "cannot_write", path=path, reason=reason(exc, lang, path))


def _write_out(text: str, output: str | None, lang: str, bom: bool = False) -> None:
    if output is None:
        click.echo(("\ufeff" if bom else "") + text, nl=False)
        return
    from xltools.model.files import atomic_output

    try:
        with atomic_output(Path(output)) as fh:
            fh.write(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["wrote"].format(path=output), err=True)


@contextmanager
def _speaking(lang: str):
    """click's own words (usage errors, help) in the language of the command line,
    while it runs: each of its modules looks its messages up through a gettext
    function of its own, which is pointed at schemas/words.yaml, and given back
    afterwards (a program may run the command line again)."""
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


def _full_stop(format_message):
    """click ends a missing parameter's message with an English full stop of its own,
    and joins a suggestion ("是不是 'check'？") to its message with a space."""
    def said() -> str:
        text = format_message().replace("。 ", "。")
        return text[:-1] + "。" if text.endswith(".") else text

    return said


# Characters the words use that a Chinese Windows code page (GBK) lacks, and what it
# has that means the same; any other is tried in its compatibility form, else "?".
_STAND_INS = {"\u2212": "－", "✓": "√", "✗": "×", "\ufeff": ""}


def _stand_in(exc: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: output redirected on Chinese Windows is written in
    GBK, and a character it lacks must never end the run."""
    import unicodedata

    if not isinstance(exc, UnicodeEncodeError):
        raise exc

    def fits(text: str) -> bool:
        try:
            text.encode(exc.encoding)
        except UnicodeEncodeError:
            return False
        return True

    said = []
    for char in exc.object[exc.start:exc.end]:
        said.append(next(c for c in (_STAND_INS.get(char), unicodedata.normalize("NFKC", char), "?")
                         if c is not None and fits(c)))
    return "".join(said), exc.end


def _tolerant(stream) -> None:
    """A console or file of another encoding than UTF-8 takes what it cannot show in
    characters it has (see _stand_in)."""
    import codecs

    encoding = getattr(stream, "encoding", None)
    if not encoding or not hasattr(stream, "reconfigure") or codecs.lookup(encoding).name == "utf-8":
        return
    codecs.register_error("xltools", _stand_in)
    stream.reconfigure(errors="xltools")


def _commands(group: click.Group, prefix: str = ""):
    """Every command under `group` with its words' key: "check", "desk init"."""
    for name, command in group.commands.items():
        yield prefix + name, command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def _localize(root: click.Group, lang: str, table: dict[str, str]) -> None:
    """Put the help of every command in the language of the command line: texts,
    summaries, option help and what follows an argument or option (the placeholders
    of the usage line and of usage errors) all come from the `help` words; the
    command tree is shared, so both languages set every one of them."""
    said = _words(lang)["help"]
    shared, metavars, arguments = said["options"], said["metavars"], said["arguments"]
    for key, command in [("xltools", root), *_commands(root)]:
        own = said[key]
        command.help, command.short_help = own["text"], own["summary"]
        command.options_metavar = table.get("[OPTIONS]", "[OPTIONS]")
        command.help_option_help = shared["--help"]
        if isinstance(command, click.Group):
            command.subcommand_metavar = table.get("COMMAND [ARGS]...", "COMMAND [ARGS]...")
        for param in command.params:
            kind = _path_kind(param.type) if isinstance(param.type, click.Path) else param.type.name
            if isinstance(param.type, click.Path):  # said in its messages: "文件 'x.xlsx' 不存在"
                param.type.name = table.get(kind, kind)
            if isinstance(param, click.Argument):
                placeholder = arguments.get(param.name.upper())
                param.metavar = None if placeholder is None else placeholder + ("..." if param.nargs != 1 else "")
                continue
            name = max(param.opts, key=len)
            param.help = own.get(name, shared.get(name))
            param.metavar = None if param.is_flag or isinstance(param.type, click.Choice) else metavars.get(kind)


def _path_kind(path: click.Path) -> str:
    """What click calls a path parameter in English (it names it once, on import)."""
    return "file" if path.file_okay and not path.dir_okay else \
        "directory" if path.dir_okay and not path.file_okay else "path"


class _Range(click.IntRange):
    """A whole number from `min` on (up to `max`), described in the words of the
    command line (click writes "x>=1" itself)."""

    def _describe_range(self) -> str:
        if self.max is None:
            return click.types._("x>={min}").format(min=self.min)
        return click.types._("{min}<=x<={max}").format(min=self.min, max=self.max)


class _Refusal(click.ClickException):
    """A value refused while click reads the command line, said as the commands say
    a refusal (`_fail`: one line, exit 2) rather than as one of click's usage errors."""

    exit_code = EXIT_UNREADABLE

    def __init__(self, word: str, **params):
        super().__init__(word)
        self.word, self.params = word, params


class _Year(click.types.IntParamType):
    """A report year: a whole number (click says so when it is not one) within
    year_range(), the years a report can be of."""

    def convert(self, value, param, ctx):
        from xltools.model.values import year_range

        year = super().convert(value, param, ctx)
        first, last = year_range()
        if not first <= year <= last:
            raise _Refusal("year_range", year=year, first=first, last=last)
        return year


_YEAR = _Year()


def _columns(text: str) -> int:
    """How wide `text` shows on a console: a Chinese character takes two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_NO_LINE_START = "，。；：、）”’》」』！？.,;:)]"


def _wrapped(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns: a line may break between any two Chinese
    characters and between words, never before a closing punctuation mark (the
    character before it goes down with it), nor inside the [默认：…] click adds."""
    import re

    lines, line = [], []
    for token in re.findall(r"(?<=  )\[[^\]]{1,40}\]\s*"
                            r"|[\u2e80-\u9fff\uff00-\uffef]\s*"
                            r"|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*"
                            r"|\s+",
                            text):
        if line and _columns("".join(line) + token.rstrip()) > width:
            down = 0
            while down < len(line) - 1 and (line[len(line) - down] if down else token)[0] in _NO_LINE_START:
                down += 1
            lines.append("".join(line[:len(line) - down]).rstrip())
            line = line[len(line) - down:]
            token = token.lstrip() if not line else token
        line.append(token)
    return [*lines, "".join(line).rstrip()]


class _Formatter(click.HelpFormatter):
    """click's help layout, measured in console columns, so that Chinese help lines
    up and wraps at the console's width (click counts characters)."""

    def write_heading(self, heading: str) -> None:
        colon = "：" if _columns(heading[-1:]) == 2 else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        self.write("\n\n".join("\n".join(indent + line for line in _wrapped(p, self.width - self.current_indent))
                               for p in paragraphs) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max(_columns(term) for term, _ in rows), col_max) + col_spacing
        indent = " " * (first + self.current_indent)
        for term, text in rows:
            self.write(" " * self.current_indent + term)
            if not text:
                self.write("\n")
                continue
            shown = _columns(term)
            self.write(" " * (first - shown) if shown <= first - col_spacing else "\n" + indent)
            lines = _wrapped(text, max(self.width - first - self.current_indent, 10))
            self.write(lines[0] + "\n" + "".join(indent + line + "\n" for line in lines[1:]))


class _Context(click.Context):
    formatter_class = _Formatter


class _Said:
    """A command whose help is laid out in console columns, and whose --help option
    says its help in the command line's language (click makes that option once and
    keeps it)."""

    context_class = _Context
    help_option_help: str | None = None

    def get_help_option(self, ctx: click.Context):
        option = super().get_help_option(ctx)
        if option is not None and self.help_option_help is not None:
            option.help = self.help_option_help
        return option


class _Command(_Said, click.Command):
    pass


class _Commands(_Said, click.Group):
    """Every command runs inside one guard: an exception nobody expected becomes one
    line that names a log file with the traceback (exit 2), never a traceback on
    the clerk's screen; `xltools --debug …` shows it instead."""

    command_class = _Command
    group_class = type  # desk's commands are guarded and said as the root's

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Help and click's usage errors in the language of the command line, on a
        console that cannot show every character too."""
        args = list(sys.argv[1:] if args is None else args)
        lang = _lang_asked(args)
        _tolerant(sys.stdout)
        _tolerant(sys.stderr)
        with _speaking(lang) as table:
            _localize(self, lang, table)
            try:
                return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except _Refusal as exc:
                _fail(lang, exc.word, **exc.params)
            except click.ClickException as exc:
                if lang != "en":
                    exc.format_message = _full_stop(exc.format_message)
                exc.show()
                sys.exit(exc.exit_code)
            except click.Abort:
                click.echo(click.core._("Aborted!"), err=True)
                sys.exit(1)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt,
                GeneratorExit):
            raise
        except BrokenPipeError:  # the reader of a pipe has all it wanted (| head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit
            sys.exit(0)
        except BaseException as exc:  # a Rust panic in a parser is not an Exception
            if ctx.params.get("debug"):
                raise
            _disk_refused(exc)
            _internal_error(exc)


def _disk_refused(exc: BaseException) -> None:
    """A full or read-only disk (a file, or the desk's ledger) is not xltools' error:
    one line that says so, exit 2, and no log (it could not be written either)."""
    from xltools.commands.outputs import reason
    from xltools.model.files import unwritable

    refused = unwritable(exc)
    if refused is not None:  # SQLite's refusal (the desk's ledger) names no file
        lang = _lang_asked(sys.argv[1:])
        _fail(lang, "disk_unwritable" if refused.filename else "disk_unwritable_unnamed", path=refused.filename,
              reason=reason(refused, lang))


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


def _show_version(ctx: click.Context, _param, value: bool) -> None:
    """--version in the words of the command line (click's own option words it on import)."""
    if value and not ctx.resilient_parsing:
        click.echo(click.core._("%(prog)s, version %(version)s") % {"prog": ctx.find_root().info_name,
                                                                     "version": _version()})
        ctx.exit()


def _lang_option(f):
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=_default_lang)(f)


def _force_option(f):
    return click.option("--force", is_flag=True)(f)


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
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version)
@click.option("--debug", is_flag=True)
@click.option("--lang", type=click.Choice(["zh", "en"]))
def main(debug: bool, lang: str | None) -> None:
    # The command line never generates test data, but pandera imports hypothesis's
    # strategies whenever hypothesis is installed (the test extra: with trio, which
    # selenium brings, 0.3 s of every check). Where nothing has imported it yet, it
    # is taken as absent, which pandera allows for.
    sys.modules.setdefault("hypothesis", None)


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--unit")
@click.option("--year", type=_YEAR)
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False))
@_force_option
@_lang_option
def template(output: str, unit: str | None, year: int | None, data: str | None, force: bool, lang: str) -> None:
    import xltools
    from xltools.model.report import Report, ReportError

    report = None
    if data is not None:
        try:
            report = Report.from_json_bytes(Path(data).read_bytes())
        except ReportError as exc:
            _fail(lang, "in_file", path=data, message=exc.message(lang))
    _claim(Path(output), WORKBOOK, force, lang)
    _backup(output, lang)
    try:
        xltools.write_template(output, unit, year, report)
    except ReportError as exc:
        _fail(lang, "in_file", path=data, message=exc.message(lang))
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["wrote"].format(path=output), err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "jsonl", "csv", "parquet"]), default="json",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--bom/--no-bom", default=True)
@click.option("--roster", type=click.Path(exists=True, dir_okay=False))
@_force_option
@_lang_option
def export(files: tuple[str, ...], fmt: str, output: str | None, bom: bool, roster: str | None, force: bool,
           lang: str) -> None:
    from xltools.commands.export import FORMATS, read_reports
    from xltools.commands.inputs import expand

    found = expand(list(files))
    _no_workbooks(found, files, lang)
    if fmt == "parquet":
        return _export_parquet(found, output, roster, force, lang)
    if output:
        _claim(Path(output), (f".{fmt}", ".txt"), force, lang, found.files)
    reports, unread = read_reports(found)
    _export_end(len(reports), unread, lang, lambda: (_backup(output, lang) if output else None,
                                                     _write_out(FORMATS[fmt](reports), output, lang,
                                                                bom=bom and fmt == "csv")))


def _export_end(done: int, unread: list, lang: str, write=None) -> None:
    """What export could not read, each file with why; `write` the output when any report
    was read; exit 2 when a file was not exported."""
    w = _words(lang)
    for path, finding in unread:
        why = finding if isinstance(finding, str) else f"{finding.rule} {finding.message(lang)}"
        click.echo(w["export_not_exported"].format(path=path, why=why), err=True)
    if done and write is not None:
        write()
    if unread:
        click.echo(w["export_incomplete"].format(done=done, n=len(unread)), err=True)
        sys.exit(EXIT_UNREADABLE)


def _export_parquet(found, output: str | None, roster: str | None, force: bool, lang: str) -> None:
    """export --format parquet: to a file only (it is binary), written a row group at a
    time as the reports are read; kinds from the roster, as merge's 分类汇总 counts them."""
    from xltools.commands.export import to_parquet
    from xltools.commands.roster import RosterError, read_roster
    from xltools.model.files import atomic_output

    if output is None:
        _fail(lang, "export_parquet_output")
    try:
        import pyarrow  # noqa: F401  (an extra: said in words, not as a traceback)
    except ImportError:
        _fail(lang, "export_parquet_missing")
    _claim(Path(output), (".parquet",), force, lang, found.files)
    try:
        units = read_roster(Path(roster)) if roster else None
    except RosterError as exc:
        _refuse(exc, lang)
    _backup(output, lang)
    try:
        with atomic_output(Path(output)) as fh:
            unread, done = to_parquet(found, fh, units)
            if not done:  # as the other formats, no file at all: the temporary one is dropped
                raise _NothingExported(unread)
    except _NothingExported as nothing:
        unread = nothing.args[0]
    except OSError as exc:
        _cannot_write(output, exc, lang)
    else:
        click.echo(_words(lang)["wrote"].format(path=output), err=True)
    _export_end(done, unread, lang)


class _NothingExported(Exception):
    """No report could be read: export --format parquet leaves no file."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--previous", multiple=True, type=click.Path(exists=True))
@click.option("--annotate", "annotate_to", type=click.Path())
@click.option("--strict", is_flag=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@_force_option
@_lang_option
def check(files, fmt, previous, annotate_to, strict, output, force, lang) -> None:
    import xltools
    from xltools.commands.inputs import expand
    from xltools.commands.render import render_json, render_text

    found = expand(list(files))
    _no_workbooks(found, files, lang)
    if output:
        _claim(Path(output), (".txt", ".json", ".log"), force, lang, found.files)
    targets = _annotate_targets(found.files, annotate_to, force, lang) if annotate_to else {}
    with _batch():
        results = xltools.check(found.files, previous)
    if output:
        _backup(output, lang)
    # A text report starts with a byte order mark, so that Notepad and Excel on Chinese Windows read it as
    # UTF-8; JSON does not, as its standard forbids (JSON.parse and jq refuse one)
    _write_out((render_json if fmt == "json" else render_text)(results, lang, found.skipped), output, lang,
               bom=fmt == "text" and output is not None)
    if annotate_to:
        _annotate(results, targets, lang)
    if any(r.unreadable for r in results):
        sys.exit(EXIT_UNREADABLE)
    if any(r.errors or (strict and r.unexplained) for r in results):
        sys.exit(1)


def _annotate_targets(files: list[Path], given: str, force: bool, lang: str) -> dict[Path, Path]:
    """The marked copy of each input, checked before anything is read: a file (.xlsx)
    for one input, else a folder, made when it is not there yet."""
    target = Path(given)
    named_file = target.is_file() or \
        target.suffix.lower() in WORKBOOK and not given.endswith(("/", os.sep)) and not target.is_dir()
    if named_file and len(files) > 1:
        _fail(lang, "annotate_folder", path=target)
    out = {f: target if named_file else target / f"{f.stem}.检查结果.xlsx" for f in files}
    for path in out.values():
        _claim(path, WORKBOOK, force, lang, files)
    if not named_file:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _cannot_write(target, exc, lang)
    return out


def _annotate(results, targets: dict[Path, Path], lang: str) -> None:
    from xltools.commands.annotate import annotate

    written = []
    for r in results:
        if r.unreadable is None:
            _backup(targets[r.path], lang)
            try:
                annotate(r.path, r, targets[r.path], lang)
            except OSError as exc:
                _cannot_write(targets[r.path], exc, lang)
            written.append(targets[r.path])
    if len(written) == 1:
        click.echo(_words(lang)["wrote"].format(path=written[0]), err=True)
    elif written:
        click.echo(_words(lang)["annotated"].format(n=len(written), folder=written[0].parent), err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--in-place", is_flag=True)
@_force_option
@_lang_option
def fill(file: str, output: str | None, in_place: bool, force: bool, lang: str) -> None:
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
    """A counter on stderr, only on a terminal and only once a run passes a second;
    its line ends when every file is read, or at close()."""

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
        if self.done >= self.total:  # every file read: what is said next starts a line of its own
            self.close()

    def close(self) -> None:
        if self.shown:
            click.echo(err=True)
            self.shown = False


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--unit", required=True)
@click.option("--year", type=_YEAR)
@click.option("--roster", type=click.Path(exists=True, dir_okay=False))
@click.option("--jobs", type=_Range(1, None))
@click.option("--strict", is_flag=True)
@click.option("--previous", type=click.Path(exists=True, dir_okay=False))
@click.option("--draft/--no-draft", default=True)
@click.option("--allow-incomplete", is_flag=True)
@_force_option
@_lang_option
def merge(inputs, output, unit, year, roster, jobs, strict, previous, draft, allow_incomplete, force, lang) -> None:
    import xltools
    from xltools.commands.compare import CompareError
    from xltools.commands.inputs import expand
    from xltools.commands.merge import MergeError
    from xltools.commands.render import render_merge
    from xltools.commands.roster import RosterError, read_roster

    if not unit.strip():
        _fail(lang, "unit_blank")
    files = expand(list(inputs)).files
    out = Path(output)
    _claim(out, WORKBOOK, force, lang, files)
    try:
        units = read_roster(Path(roster)) if roster else None
    except RosterError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _fail(lang, "cannot_read", path=roster, reason=exc.strerror or exc)
    progress = _Progress(len(files), lang)
    with _batch():
        try:
            result = xltools.merge(inputs, unit, year, units, out, jobs, previous, draft, allow_incomplete, strict,
                                   progress, lambda path: _backup(path, lang))
        except (MergeError, CompareError) as exc:
            _refuse(exc, lang)
        except OSError as exc:
            _cannot_write(output, exc, lang)
        finally:
            progress.close()
    why = result.unwritten
    click.echo(render_merge(result, output, why is None, why, lang), nl=False)
    if why is None:
        _draft_note(result, draft, allow_incomplete, lang)
    if result.last is not None:
        _say_last_year(result.last, out, lang)
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


def _last_year(path: str, unit: str, year: int | None, jobs, lang: str):
    """Last year's summary for merge --previous (and desk merge's), read as compare
    reads it; one line and exit 2 when it cannot serve, before anything is written."""
    from xltools.commands.compare import CompareError, last_year

    try:
        return last_year(Path(path), unit, year, jobs)
    except CompareError as exc:
        _refuse(exc, lang)


def _say_last_year(last, summary: Path, lang: str) -> None:
    """The written summary against last year's, as `xltools compare` says it."""
    from xltools.commands.county import against_last_year
    from xltools.commands.render import render_compare

    click.echo(render_compare(against_last_year(last, summary), lang), nl=False)


@main.command("import")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--out-dir", type=click.Path(file_okay=False))
@click.option("--format", "kind", type=click.Choice(["auto", *KINDS]), default="auto", show_default=True)
@click.option("-f", "--report-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_force_option
@_lang_option
def import_(reports, output, out_dir, kind, fmt, force, lang) -> None:
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
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--with-errors", is_flag=True)
@click.option("--breakdown", type=click.Choice(["kind", "unit"]), is_flag=False, flag_value="kind")
@click.option("--allow-incomplete", is_flag=True)
@_force_option
@_lang_option
def publish(file: str, output: str, with_errors: bool, breakdown: str | None, allow_incomplete: bool, force: bool,
            lang: str) -> None:
    import xltools
    from xltools.commands.breakdown import BreakdownError
    from xltools.commands.render import render_text
    from xltools.documents.publish import WRITERS

    out = Path(output)
    _claim(out, tuple(WRITERS), force, lang, [Path(file)])

    def say_findings(result) -> None:
        if result.findings:
            click.echo(render_text([result], lang), nl=False)
        _backup(out, lang)

    try:
        done = xltools.publish(file, out, breakdown, with_errors, allow_incomplete, say_findings)
    except BreakdownError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    w, result = _words(lang), done.result
    if done.refused in ("unreadable", "errors"):
        click.echo(render_text([result], lang), nl=False)
    if done.refused == "unreadable":
        sys.exit(EXIT_UNREADABLE)
    if done.refused == "errors":
        click.echo(w["publish_refused"].format(path=file))
    elif done.refused == "incomplete":
        click.echo(w["publish_incomplete"].format(path=file, **done.cover.params(lang)))
    if done.refused is not None:
        sys.exit(1)
    click.echo(w["published"].format(out=out, unit=result.unit, year=result.year))


@main.command("excel-setup")
@click.option("-o", "--output", default="政府信息公开年度报告.xlsm", show_default=True,
              type=click.Path(dir_okay=False))
@click.option("--unit")
@click.option("--year", type=_YEAR)
@_force_option
@_lang_option
def excel_setup(output: str, unit: str | None, year: int | None, force: bool, lang: str) -> None:
    from xltools.excel.macrobook import install_command, write_macro_template

    _claim(Path(output), (".xlsm",), force, lang)
    _backup(output, lang)
    try:
        write_macro_template(output, unit=unit, year=year)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["excel_setup"].format(out=output, install=install_command(lang)))


@main.command()
@click.argument("old", type=click.Path(exists=True))
@click.argument("new", type=click.Path(exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--jobs", type=_Range(1, None))
@_force_option
@_lang_option
def compare(old: str, new: str, fmt: str, output: str | None, jobs: int | None, force: bool, lang: str) -> None:
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
    _say_coverage((old, new), lang)
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


def _say_coverage(paths, lang: str) -> None:
    """A summary that leaves units out differs from a complete one by their figures:
    compare says so beside its findings (on stderr, so that its JSON stays JSON)."""
    from xltools.commands.coverage import of_summary
    from xltools.xlsx.reader import ReadError

    for path in map(Path, paths):
        if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                cover = of_summary(path)
            except ReadError:
                continue  # compare has said why it cannot read it
            if cover is not None and not cover.complete:
                click.echo(_words(lang)["compare_incomplete"].format(path=path, **cover.params(lang)), err=True)


@main.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_lang_option
def fields(fmt: str, lang: str) -> None:
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


def _date_option(name: str):
    return click.option(name, type=click.DateTime(formats=["%Y-%m-%d"]))


@main.group()
def desk() -> None:
    pass


@desk.command("init")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--year", required=True, type=_YEAR)
@click.option("--unit")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@_date_option("--submit-by")
@_date_option("--publish-by")
@_lang_option
def desk_init(folder, roster, year, unit, base_url, submit_by, publish_by, lang) -> None:
    from xltools.commands.roster import RosterError, read_roster
    from xltools.desk.service import create
    from xltools.desk.settings import DeskError

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
        publish_by=d.deadlines.publish, links=made.links, password=made.password, options=_serve_options(d.base_url)))
    for note in made.notes:
        click.echo("  " + note.message(lang))
    _warn_local_links(d, folder, lang)


def _serve_options(base_url: str) -> str:
    """What `xltools serve` needs to listen where the links point (beyond its defaults)."""
    from urllib.parse import urlsplit

    from xltools.desk.service import this_computer_only

    port, default = urlsplit(base_url).port, next(p.default for p in serve.params if p.name == "port")
    return ("" if this_computer_only(base_url) else " --host 0.0.0.0") + (
        f" --port {port}" if port and port != default else "")


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
    from xltools.desk.render import render_status, render_status_json

    d = _open_desk(folder, lang)
    standings = d.standings()
    click.echo(render_status_json(standings, lang) if fmt == "json" else render_status(d, standings, lang), nl=False)


@desk.command("return")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("--note")
@click.option("--version", "number", type=int)
@_lang_option
def desk_return(folder, unit, note, number, lang) -> None:
    d, u, said = _on_unit(folder, unit, lang, lambda d, u: d.return_report(u, note, _who(), number, lang))
    click.echo(_words(lang)["desk_returned_done"].format(unit=u.name, number=d.standing(u).returned_number))
    click.echo(said)


@desk.command("note")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@_force_option
@_lang_option
def desk_note(folder, unit, output, force, lang) -> None:
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
@click.option("--version", "number", type=int)
@_lang_option
def desk_approve(folder, unit, number, lang) -> None:
    _, u, version = _on_unit(folder, unit, lang, lambda d, u: d.approve(u, _who(), number))
    click.echo(_words(lang)["desk_approved_done"].format(unit=u.name, number=version.number))


@desk.command("published")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("unit")
@click.option("--url", required=True)
@click.option("--date", "day")
@click.option("--file", "page", type=click.Path(exists=True, dir_okay=False))
@_lang_option
def desk_published(folder, unit, url, day, page, lang) -> None:
    from xltools.desk.render import render_publication

    given = (Path(page).read_bytes(), Path(page).name) if page else None
    _, u, made = _on_unit(folder, unit, lang, lambda d, u: d.published(u, url, day, _who(), given))
    w = _words(lang)
    click.echo(w["desk_published_done"].format(unit=u.name, date=made.event.date, url=url.strip()))
    if page:
        click.echo(render_publication(made, lang), nl=False)
        if made.state != "agrees":
            sys.exit(1)


@desk.command("remind")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@_force_option
@_lang_option
def desk_remind(folder, output, force, lang) -> None:
    from xltools.desk.remind import write_remind

    d = _open_desk(folder, lang)
    _claim(Path(output), WORKBOOK, force, lang)
    _backup(output, lang)
    try:
        n = write_remind(d, Path(output), lang)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(_words(lang)["desk_remind_done"].format(path=output, n=n))


@desk.command("merge")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--unit")
@click.option("--jobs", type=_Range(1, None))
@click.option("--allow-incomplete", is_flag=True)
@click.option("--previous", type=click.Path(exists=True, dir_okay=False))
@_force_option
@_lang_option
def desk_merge(folder, output, unit, jobs, allow_incomplete, previous, force, lang) -> None:
    from xltools.desk.render import render_desk_merge
    from xltools.desk.settings import DeskError

    d = _open_desk(folder, lang)
    out = Path(output)
    _claim(out, WORKBOOK, force, lang)
    try:
        summary_unit = d.summary_unit(unit)
    except DeskError as exc:
        _refuse(exc, lang)
    last = _last_year(previous, summary_unit, d.year, jobs, lang) if previous else None
    _backup(out, lang)
    try:
        result = d.merge(out, _who(), unit, jobs, allow_incomplete, last)
    except DeskError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(output, exc, lang)
    click.echo(render_desk_merge(d, result, output, lang), nl=False)
    _draft_note(result, True, allow_incomplete, lang)
    if last is not None:
        _say_last_year(last, out, lang)
    if result.excluded or result.missing:
        sys.exit(1)


@desk.command("password")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@_lang_option
def desk_password(folder, lang) -> None:
    d = _open_desk(folder, lang)
    click.echo(_words(lang)["desk_password_new"].format(password=d.reset_password(_who())))


@desk.command("links")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--base-url")
@click.option("--reissue", "unit")
@_lang_option
def desk_links(folder, base_url, unit, lang) -> None:
    from xltools.desk.settings import DeskError

    d = _open_desk(folder, lang)
    try:
        if not base_url and not unit:
            raise DeskError("links_what")
        if base_url:
            path, n = d.relink(base_url, _who())
            click.echo(_words(lang)["desk_links_done"].format(n=n, base=d.base_url, path=path))
        if unit:
            u, link, path = d.reissue(unit, _who())
            click.echo(_words(lang)["desk_links_reissued"].format(unit=u.name, link=link, path=path))
    except DeskError as exc:
        _refuse(exc, lang)
    except OSError as exc:
        _cannot_write(d.path("links"), exc, lang)
    _warn_local_links(d, folder, lang)


def _unlistenable(host: str, port: int) -> str | None:
    """Why the page could not listen at host:port (busy, address, denied, other), found
    before it says where it is: uvicorn would say it in English after that line."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if os.name != "nt":  # as uvicorn binds: a port the last run left in TIME_WAIT is free
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        return "address"
    except OSError as exc:
        return {errno.EADDRINUSE: "busy", errno.EADDRNOTAVAIL: "address", errno.EACCES: "denied",
                10013: "denied"}.get(exc.errno, "other")  # 10013: Windows' WSAEACCES
    return None


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=_Range(1, 65535))
@click.option("--workers", type=_Range(1, None))
@_lang_option
def serve(folder, host, port, workers, lang) -> None:
    try:
        import uvicorn

        from xltools.desk.web import build_app
    except ImportError:
        _fail(lang, "desk_extra_missing")
    d = _open_desk(folder, lang)
    w = _words(lang)
    refused = _unlistenable(host, port)
    if refused is not None:
        _fail(lang, "desk_cannot_listen", host=host, port=port, reason=w[f"desk_listen_{refused}"].format(
            host=host, port=port))
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(w["desk_serving_open"].format(host=host), err=True)
    click.echo(w["desk_serving"].format(host=host, port=port), err=True)
    uvicorn.run(build_app(d.folder, lang, workers), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
