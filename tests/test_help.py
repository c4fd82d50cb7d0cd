"""What a clerk reads before running anything: every command's help, and what a
wrong command line is told, in Chinese by default (English with --lang en), with no
English word left in the Chinese."""
from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest
from conftest import EXAMPLES, SAMPLE_COUNTY

from xltools.cli import _columns, _commands, main
from xltools.model.schema import words

CHITUDIAN = EXAMPLES / "chitudian-2023.xlsx"
ROSTER = EXAMPLES / "sample-county-roster.csv"

# Latin words a Chinese line may hold besides what the user types (options, commands,
# choices, file names, rule ids and cells are taken out before this list is asked):
# names of programs and formats a clerk meets under these names on Chinese Windows.
TECHNICAL = {
    "xltools",  # the program
    "Excel", "WPS", "Word", "Windows", "xlwings",  # programs as their menus name them
    "JSON", "CSV", "PDF", "HTML", "UTF",  # formats and encodings, as 另存为 lists them
    "null",  # JSON's blank, which export writes
    "XLTOOLS_LANG",  # an environment variable's name is typed as it is
}


def _typed() -> set[str]:
    """Every word a user types: command names and the values of every choice."""
    out = {"xltools"}
    for key, command in [("xltools", main), *_commands(main)]:
        out.update(key.split())
        for param in command.params:
            if isinstance(param.type, click.Choice):
                out.update(map(str, param.type.choices))
    return out


TYPED = _typed()


def english_words(output: str, args=()) -> list[str]:
    """The Latin words of `output` that are none of: an option, a file name or path,
    a web address, a rule id or cell, a word of the command line, a command or a
    choice, or a technical term of TECHNICAL."""
    text = re.sub(r"https?://\S+", " ", output)
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # a path
    text = re.sub(r"\S*\.(xlsx|xlsm|xls|csv|txt|json|docx|html|md|pdf|log|whl)\b", " ", text)
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", text)  # an option
    given = {w for a in map(str, args) for w in re.findall(r"[A-Za-z][\w]*", a)}
    return [w for w in re.findall(r"[A-Za-z](?:[A-Za-z_-]*[A-Za-z])?\d*", text)
            if not re.fullmatch(r"[A-Z]{1,3}\d+", w) and w not in TYPED | TECHNICAL | given]


def _every_command() -> list[list[str]]:
    return [[]] + [key.split() for key, _ in _commands(main)]


@pytest.mark.parametrize("path", _every_command(), ids=lambda p: " ".join(p) or "xltools")
def test_every_help_is_chinese_and_fits_the_console(path, cli):
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert english_words(result.output) == [], result.output
    assert result.output.startswith("用法： xltools ")
    assert "选项：" in result.output and "显示本帮助后退出。" in result.output
    assert max(_columns(line) for line in result.output.splitlines()) <= 80, result.output
    english = cli("--lang", "en", *path, "--help")
    assert english.exit_code == 0 and english.output.startswith("Usage: xltools ")
    assert "Show this message and exit." in english.output
    assert not re.search(r"[\u4e00-\u9fff]", english.output.split("\n\n")[0])  # the usage line


def test_the_version_in_both_languages(cli):
    from importlib.metadata import version

    assert cli("--version").output == f"xltools 版本 {version('xltools')}\n"
    assert cli("--lang", "en", "--version").output == f"xltools, version {version('xltools')}\n"


def test_help_follows_the_environment_and_the_commands_own_lang(cli):
    said = words("en")["help"]
    assert said["check"]["summary"] in cli("--help", env={"XLTOOLS_LANG": "en"}).output
    assert said["check"]["--strict"] in cli("check", "--help", "--lang", "en").output
    assert said["check"]["--strict"] in cli("--lang", "en", "check", "--help").output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_of_commands_shows_every_summary_whole(lang, cli):
    """No summary is cut with "...": each is its own line in words.yaml, shown whole."""
    output = cli("--lang", lang, "--help").output
    flat = re.sub(r"\n +", " " if lang == "en" else "", output)
    for key, _ in _commands(main):
        if " " not in key:
            assert words(lang)["help"][key]["summary"] in flat, key
    assert "..." not in output.split("\n\n", 1)[1]


def test_help_texts_have_one_source():
    """Every command and option has its help in words.yaml in both languages; the code
    holds none (it would show in English in Chinese help)."""
    for lang in ("zh", "en"):
        said = words(lang)["help"]
        for key, command in [("xltools", main), *_commands(main)]:
            assert said[key]["summary"] and said[key]["text"], key
            for param in command.params:
                if isinstance(param, click.Option):
                    name = max(param.opts, key=len)
                    assert said[key].get(name) or said["options"].get(name), (lang, key, name)
    source = (EXAMPLES.parent.parent / "xltools" / "cli.py").read_text(encoding="utf-8")
    assert "help=" not in source.replace("help=help", "")


def _desk(cli, tmp_path):
    folder = tmp_path / "审核台"
    assert cli("desk", "init", folder, "--roster", ROSTER, "--year", 2023).exit_code == 0
    return folder


def _wrong(cli, tmp_path) -> list[tuple[list, str | None]]:
    """Wrong command lines and the last line each is told (None: any Chinese line)."""
    desk = _desk(cli, tmp_path)
    return [
        (["check", "-f", "xml", CHITUDIAN], "错误：'-f' / '--format' 的值不对：'xml' 不是 'text', 'json' 之一。"),
        (["merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "县", "--jobs", "abc"],
         "错误：'--jobs' 的值不对：'abc' 不是整数。"),
        (["merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "县", "--jobs", "0"],
         "错误：'--jobs' 的值不对：0 不在允许的范围内（至少 1）。"),
        (["serve", desk, "--port", "70000"], "错误：'--port' 的值不对：70000 不在允许的范围内（1 至 65535）。"),
        (["template", "-o", tmp_path / "t.xlsx", "--year", "二〇二三"],
         "错误：'--year' 的值不对：'二〇二三' 不是整数。"),
        (["check"], "错误：缺少参数 '文件或文件夹...'。"),
        (["compare", CHITUDIAN], "错误：缺少参数 '新'。"),
        (["desk", "return", desk], "错误：缺少参数 '单位'。"),
        (["merge", SAMPLE_COUNTY, "--unit", "县"], "错误：缺少选项 '-o' / '--output'。"),
        (["publish", CHITUDIAN], "错误：缺少选项 '-o' / '--output'。"),
        (["check", "--frob", CHITUDIAN], "错误：没有选项 '--frob'。是不是 '--force'？"),
        (["check", CHITUDIAN, "--format"], "错误：选项 '--format' 后面要写一个值。"),
        (["fill", CHITUDIAN, "extra"], "错误：多了一个参数（extra）"),
        (["fill", CHITUDIAN, "one", "two"], "错误：多了几个参数（one two）"),
        (["check", tmp_path / "nope.xlsx"],
         f"错误：'文件或文件夹...' 的值不对：路径 '{tmp_path / 'nope.xlsx'}' 不存在。"),
        (["fill", SAMPLE_COUNTY, "--in-place"],
         f"错误：'工作簿' 的值不对：文件 '{SAMPLE_COUNTY}' 是文件夹，不是文件。"),
        (["desk", "status", tmp_path / "没有"],
         f"错误：'审核台文件夹' 的值不对：文件夹 '{tmp_path / '没有'}' 不存在。"),
        (["desk", "init", tmp_path / "d2", "--roster", ROSTER, "--year", "2023", "--submit-by", "2024/1/31"],
         "错误：'--submit-by' 的值不对：'2024/1/31' 不是日期，请写成 2024-01-31 这样。"),
        (["desk", "published", desk, "教育局", "--url", "https://x.gov.cn/a", "--date", "2024/1/31"], None),
        (["import", "--format", "bogus", CHITUDIAN], None),
        (["check", "--lang", "fr", CHITUDIAN], "错误：'--lang' 的值不对：'fr' 不是 'zh', 'en' 之一。"),
        (["frob"], "错误：没有命令 'frob'。"),
        (["chek"], "错误：没有命令 'chek'。是不是 'check'？"),
        (["desk"], None),
        (["desk", "frob"], "错误：没有命令 'frob'。"),
        (["fill", CHITUDIAN, "-o", tmp_path / "f.xlsx", "--in-place"], None),
        (["merge", SAMPLE_COUNTY, "-o", tmp_path / "s.csv", "--unit", "县"], None),
        (["check", CHITUDIAN, EXAMPLES / "mistakes-2023.xlsx", "--annotate", tmp_path / "x.xlsx"], None),
    ]


def test_every_wrong_command_line_is_told_in_chinese(tmp_path, cli):
    for args, last in _wrong(cli, tmp_path):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert english_words(result.output, args) == [], (args, result.output)
        if last is not None:
            assert result.output.splitlines()[-1] == last, args
        if "--lang" not in args:
            english = cli(*args, "--lang", "en")
            assert english.exit_code == 2, (args, english.output)


def test_a_wrong_command_line_in_english(cli):
    result = cli("check", "-f", "xml", CHITUDIAN, "--lang", "en")
    assert result.output.splitlines()[0] == "Usage: xltools check [OPTIONS] FILES..."
    assert result.output.splitlines()[-1] == \
        "Error: Invalid value for '-f' / '--format': 'xml' is not one of 'text', 'json'."
    ranged = cli("merge", SAMPLE_COUNTY, "-o", "s.xlsx", "--unit", "县", "--jobs", "0", "--lang", "en")
    assert ranged.output.splitlines()[-1] == "Error: Invalid value for '--jobs': 0 is not in the range x>=1."


def test_help_is_instant_in_a_fresh_process():
    """--help reads words.yaml and nothing heavy (see also test_cli)."""
    code = ("import sys, time; t = time.perf_counter(); from xltools.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "print(round(time.perf_counter() - t, 3), sorted(m for m in ('pandas', 'openpyxl', 'pydantic') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1].endswith("[]")


def test_a_busy_port_is_one_chinese_line(tmp_path, cli):
    import socket

    desk = _desk(cli, tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", desk, "--port", port)
    assert (result.exit_code, result.output) == (
        2, f"xltools: 审核台网页无法在 127.0.0.1:{port} 启动：端口 {port} 已被其他程序占用（也许审核台已在运行）；"
           "请关闭它，或用 --port 换一个端口\n")
    elsewhere = cli("serve", desk, "--host", "192.0.2.1")  # TEST-NET-1: no computer's own address
    assert (elsewhere.exit_code, elsewhere.output) == (
        2, "xltools: 审核台网页无法在 192.0.2.1:8000 启动：这台电脑没有地址 192.0.2.1；"
           "--host 请写本机的地址，或 0.0.0.0\n")
