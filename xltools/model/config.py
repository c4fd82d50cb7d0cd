"""Typed models of the files in schemas/: each file is validated when it is loaded,
so that a colour, a number, a rule id or a key of the wrong kind is an error that
names the file and the key, found by the tests, never by a user's click.

Strict: nothing is coerced (a number written as text, a colour YAML read as a
number are errors), so the loaders return the file's own data once it passed.
The models follow the files; where a file's shape is fixed, an unknown key is an
error (a misspelt key would otherwise be silently ignored).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, RootModel, ValidationError
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType


class SchemaError(Exception):
    """A file of schemas/ that does not have the shape its model says: a defect of the
    installation, told to its developer (file, key path, what was expected and found)."""


class _Fixed(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True)


def _checked(name: str, pattern: str, zh: str, en: str):
    """A string of a fixed pattern, with its own words when it is something else."""
    regex = re.compile(pattern)

    def check(value: Any) -> str:
        if isinstance(value, str) and regex.fullmatch(value):
            return value
        raise PydanticCustomError(name, f"{zh} / {en}")

    return PlainValidator(check)


Colour = Annotated[str, _checked("colour", r"[0-9A-Fa-f]{6}", "应为 6 位十六进制颜色（如 \"548235\"，须加引号）",
                                 "expected a colour of 6 hex digits, quoted")]
RuleId = Annotated[str, _checked("rule_id", r"[A-Z][0-9]{1,2}", "应为规则编号（一个大写字母加数字，如 W0）",
                                 "expected a rule id (a capital letter and a number, as W0)")]
RuleFamily = Annotated[str, _checked("rule_family", r"[A-Z]", "应为规则类别（一个大写字母，如 W）",
                                     "expected a rule family (one capital letter, as W)")]
Cell = Annotated[str, _checked("cell", r"[A-Z]{1,3}[0-9]+(:[A-Z]{1,3}[0-9]+)?", "应为单元格或区域（如 A3、A4:H4）",
                               "expected a cell or range (as A3, A4:H4)")]
Column = Annotated[str, _checked("column", r"[A-Z]{1,3}", "应为列号（如 A）", "expected a column letter (as A)")]
Severity = Literal["fatal", "error", "warning"]
Kind = Literal["count", "signed", "money", "total", "text", "year"]
Number = float  # strict float takes int too, never text
Count = Annotated[int, Field(ge=0)]


class Text(_Fixed):
    """A sentence in both languages."""

    zh: str
    en: str

    def __getitem__(self, lang: str) -> str:
        return getattr(self, lang)


# ---------------------------------------------------------------- formats/*.yaml

class Node(_Fixed):
    id: str | None = None
    label: str | None = None
    kind: Kind | None = None
    sum: list[str] | None = None
    children: list[Node] | None = None


class Block(_Fixed):
    title: str | None = None
    corner: str | None = None
    rows: list[Node]
    columns: list[Node]


class Table(_Fixed):
    section: str
    kind: Kind | None = None
    title: str | None = None
    corner: str | None = None
    blocks: list[Block] | None = None
    rows: list[Node] | None = None
    columns: list[Node] | None = None


class TablePatch(_Fixed):
    """A table of an inheriting format that changes some rows of its base's."""

    replace_rows: dict[str, Node] | None = None
    replace_sum: dict[str, list[str]] | None = None


class Meta(_Fixed):
    id: str
    label: str
    kind: Kind | None = None
    required: bool | None = None


class Section(_Fixed):
    number: str
    title: str


class TextField(_Fixed):
    id: str
    section: str
    label: str | None = None


class Format(_Fixed):
    id: str
    title: str
    source: str
    inherits: str | None = None
    meta: list[Meta] | None = None
    sections: list[Section] | None = None
    text: list[TextField] | None = None
    tables: dict[str, Table | TablePatch]


# ---------------------------------------------------------------- rules.yaml

class Check(_Fixed):
    """What a rule checks: one model for every `type`, each key with its type."""

    type: Literal["file", "structure", "cell", "sum", "balance", "previous", "text", "empty", "fees", "blank",
                  "written", "code", "previous_match", "explanation", "carry", "jump", "repeat", "answer", "units",
                  "undecided", "changed_number", "changed_text", "sum_of_units", "elements", "substance", "length",
                  "problems", "copying", "import", "formulas"]
    table: str | None = None
    row: str | None = None
    column: str | None = None
    per: Literal["row", "column"] | None = None
    rows: list[str] | None = None
    left: list[str] | None = None
    right: list[str] | None = None
    kinds: list[Kind] | None = None
    marks: list[str] | None = None
    field: str | None = None
    from_: str | None = Field(None, alias="from")
    text: str | list[str] | None = None
    required: list[str] | None = None
    first_year: int | None = None
    years_ahead: int | None = None
    max_size: int | None = None
    max_part: int | None = None
    max_ratio: int | None = None
    max_entries: int | None = None
    max_sheets: int | None = None
    max_row: int | None = None
    max_column: int | None = None
    max_cells: int | None = None
    worker_memory: int | None = None
    statements: list[dict[str, Any]] | None = None
    hints: dict[str, Text] | None = None
    empty_words: list[str] | None = None
    words: list[str] | None = None
    none_words: list[str] | None = None
    collected: str | None = None
    notice_amount: str | None = None
    at_least: int | None = None
    factor: Number | None = None
    min_length: int | None = None
    similarity: Number | None = None
    threshold: Number | None = None
    common: list[str] | None = None
    gram: int | None = None
    parts: dict[str, Any] | None = None
    boilerplate: dict[str, list[str]] | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    shown: int | None = None
    denials: list[str] | None = None
    problem: list[str] | None = None
    measure: list[str] | None = None
    appendix: str | None = None
    into: dict[str, str] | None = None
    laid_out: Number | None = None
    page_numbers: list[str] | None = None
    period: str | None = None
    readings: int | None = None
    title_lines: int | None = None
    titles: list[str] | None = None
    unit_length: int | None = None
    wrap_offset: int | None = None
    subsection_likeness: Number | None = None
    heading_gap: Count | None = None
    heading_suffix: Count | None = None
    heading_likeness: Number | None = None
    count_words: str | None = None


class Rule(_Fixed):
    severity: Severity
    title: Text
    description: Text
    check: Check
    messages: dict[str, Text]
    fix: Text
    explainable: bool | None = None


Rules = RootModel[dict[RuleId, Rule]]


# ---------------------------------------------------------------- scoring.yaml

class ScoreItem(_Fixed):
    id: str
    label: Text
    points: Count
    each: Count | None = None
    rules: list[RuleId]


class Scoring(_Fixed):
    of: Count
    items: list[ScoreItem]
    not_scored: list[RuleId]
    unread: list[RuleId] | None = None


# ---------------------------------------------------------------- template.yaml

class Mark(_Fixed):
    fill: Colour
    border: Literal["thin", "medium", "thick", "dashed", "mediumDashed", "dotted", "double", "hair", "dashDot",
                    "mediumDashDot", "dashDotDot", "mediumDashDotDot", "slantDashDot"]
    color: Colour


class Button(_Fixed):
    caption: str
    macro: str
    call: str


class Excel(_Fixed):
    result_sheet: str
    marks_sheet: str
    marks: dict[Literal["error", "warning", "explained"], Mark]
    result_widths: list[Number]
    buttons: list[Button]


class FormEntry(_Fixed):
    meta: str | None = None
    text: str | None = None
    label: Cell | None = None
    at: Cell
    height: Number | None = None


class Note(_Fixed):
    at: Cell
    text: str


class Grid(_Fixed):
    table: str
    at: Cell
    freeze: bool | None = None


class LiveMarks(_Fixed):
    ok: str
    bad: str
    text: str


class LiveCheck(_Fixed):
    rule: RuleId
    label: str
    row: Count
    marks: LiveMarks


class ExplanationColumn(_Fixed):
    id: str
    label: str


class Explanations(_Fixed):
    header: Cell
    rows: Count
    columns: list[ExplanationColumn]


class Sheet(_Fixed):
    name: str
    title: str | None = None
    section: str | None = None
    widths: dict[Column, Number]
    landscape: bool | None = None
    pages_tall: Count | None = None
    form: list[FormEntry] | None = None
    notes: list[Note] | None = None
    grid: Grid | None = None
    live_check: LiveCheck | None = None
    explanations: Explanations | None = None
    instructions: list[str] | None = None
    rules_heading: str | None = None
    rules_listed: list[RuleFamily] | None = None


class Styles(_Fixed):
    font: str
    title_font: str
    input_fill: Colour
    total_fill: Colour
    header_fill: Colour
    check_ok_fill: Colour
    check_bad_fill: Colour


class Validation(_Fixed):
    type: Literal["whole", "decimal"]
    min: int | None = None  # whole bounds (the years): written into the workbook's validation as typed
    max: int | None = None
    prompt_title: str
    prompt: str
    error_title: str
    error: str


class Template(_Fixed):
    id: str
    version: int
    format: str
    stamp_sheet: str
    stamp_unread: str
    stamp_drafted: str | None = None
    excel: Excel
    sheets: list[Sheet]
    styles: Styles
    validation: dict[Literal["count", "signed", "money", "year"], Validation]


# ---------------------------------------------------------------- summary.yaml

class SheetColumn(_Fixed):
    id: str
    label: str
    width: Number | None = None


class ColumnsSheet(_Fixed):
    name: str
    columns: list[SheetColumn]


class DetailSheet(_Fixed):
    name: str
    fixed: list[SheetColumn]
    total_label: str
    width: Number | None = None


class TextsSheet(_Fixed):
    name: str
    columns: list[SheetColumn]


class UnitsSheet(_Fixed):
    name: str
    columns: list[str]


class SummarySheets(_Fixed):
    status: ColumnsSheet
    quality: ColumnsSheet
    detail: DetailSheet
    sources: ColumnsSheet
    texts: TextsSheet
    units: UnitsSheet


class Summary(_Fixed):
    status: dict[str, Text]
    reasons: dict[str, Text]
    near_match: Annotated[float, Field(ge=0, le=1)]
    terminal_shown: Annotated[int, Field(ge=1)]
    roster: dict[Literal["code", "name", "parent", "kind"], list[str]]
    sheets: SummarySheets


# ---------------------------------------------------------------- county.yaml

class UnitKind(_Fixed):
    id: str
    label: str
    words: list[str]
    phrase: str


class Figure(_Fixed):
    label: str
    word: str | None = None
    fields: list[str]


class Rate(_Fixed):
    id: str
    label: str
    of: list[str]
    over: str
    worse: Literal["low", "high"]
    definition: Text


class RateColours(_Fixed):
    worse: Colour
    better: Colour


class Rates(_Fixed):
    threshold: Count
    decimals: Count
    format: str
    colours: RateColours
    list: list[Rate]
    rate_header: str
    rank_header: str
    basis_header: str


class ByKindHeaders(_Fixed):
    item: str
    total: str
    units: str
    rate_section: str
    definition: str
    detail_section: str
    column: str


class ByKindWidths(_Fixed):
    item: Number
    column: Number
    kind: Number


class ByKindSheet(_Fixed):
    name: str
    title: str
    notes: list[str]
    headers: ByKindHeaders
    widths: ByKindWidths


class ChartUnits(_Fixed):
    title: str
    figure: str
    most: Count
    rest: str
    headers: list[str]


class ChartResults(_Fixed):
    title: str
    groups: list[str]
    total_label: str
    headers: list[str]


class ChartRow(_Fixed):
    label: str
    group: str


class ChartAppeals(_Fixed):
    title: str
    rows: list[ChartRow]
    columns: list[str]
    headers: list[str]
    none: str


class ChartYears(_Fixed):
    title: str
    headers: list[str]
    none: str


class ChartColumns(_Fixed):
    label: Number
    number: Number


class ChartsSheet(_Fixed):
    name: str
    title: str
    note: str
    columns: ChartColumns
    width: Number
    height: Number
    bar_height: Number
    units: ChartUnits
    results: ChartResults
    appeals: ChartAppeals
    years: ChartYears


class SheetColours(_Fixed):
    header: Colour
    muted: Colour


class CountySheets(_Fixed):
    colours: SheetColours
    by_kind: ByKindSheet
    charts: ChartsSheet


class DraftCase(_Fixed):
    zero: list[str] | None = None
    text: str


class Change(_Fixed):
    same: str
    up_percent: str
    down_percent: str
    up_count: str
    down_count: str


class BreakdownTable(_Fixed):
    heading: str
    caption: str
    corner: str
    corner_units: str
    subtotal: str
    total: str


class County(_Fixed):
    kinds: list[UnitKind]
    fallback: str
    column: SheetColumn
    unknown: dict[Literal["blank", "word", "roster"], Text]
    figures: dict[str, Figure]
    main: list[str]
    breakdown: list[str]
    rates: Rates
    sheets: CountySheets
    drafts: dict[str, list[list[DraftCase] | Literal["paragraph"]]]
    change: Change
    kinds_lead: str
    item: str
    separator: str
    breakdown_table: BreakdownTable


# ---------------------------------------------------------------- desk.yaml

Status = Literal["unsubmitted", "unreadable", "pending", "returned", "approved", "published"]


class MonthDay(_Fixed):
    month: Annotated[int, Field(ge=1, le=12)]
    day: Annotated[int, Field(ge=1, le=31)]


class Deadlines(_Fixed):
    submit: MonthDay
    publish: MonthDay
    fix_days: Count


class Upload(_Fixed):
    max_bytes: Count
    suffixes: list[Annotated[str, Field(pattern=r"^\.[a-z]+$")]]


class Publication(_Fixed):
    suffixes: list[Annotated[str, Field(pattern=r"^\.[a-z]+$")]]
    column_width: Number


class Remind(_Fixed):
    widths: list[Number]


class Scrypt(_Fixed):
    n: Count
    r: Count
    p: Count


class Security(_Fixed):
    token_bytes: Count
    password_length: Count
    password_alphabet: str
    session_hours: Number
    scrypt: Scrypt


class Limit(_Fixed):
    per_address: Count
    total: Count


class Throttle(_Fixed):
    login: Limit
    token: Limit


class Desk(_Fixed):
    status: dict[Status, Text]
    events: dict[Literal["submitted", "returned", "approved", "published"], Status]
    deadlines: Deadlines
    utc_offset_hours: Number
    upload: Upload
    publication: Publication
    remind: Remind
    security: Security
    throttle: Throttle
    files: dict[Literal["ledger", "links", "versions", "marked", "summaries", "incoming", "logs", "orphans",
                        "publications"], str]
    links_columns: list[str]


# ---------------------------------------------------------------- words.yaml

# a word is a text, a list of texts, or texts by name (click's words, a command's help)
WordText = TypeAliasType("WordText", "str | list[str] | dict[str, WordText]")


class Word(_Fixed):
    zh: WordText
    en: WordText


Words = RootModel[dict[str, Word]]


# ---------------------------------------------------------------- checking a file

_MODELS = {"rules.yaml": Rules, "scoring.yaml": Scoring, "template.yaml": Template, "summary.yaml": Summary,
           "county.yaml": County, "desk.yaml": Desk, "words.yaml": Words}

# pydantic's own words for the usual errors, in Chinese before them
_ZH = {
    "missing": "缺少必填的键", "extra_forbidden": "未知的键（拼写错误？）", "key": "未知的键（拼写错误？）",
    "string_type": "应为文字", "int_type": "应为整数", "float_type": "应为数字", "bool_type": "应为 true 或 false",
    "list_type": "应为列表", "dict_type": "应为键值表", "model_type": "应为键值表", "literal_error": "不是允许的值之一",
    "greater_than_equal": "太小", "less_than_equal": "太大", "string_pattern_mismatch": "格式不对",
}


def model(path: Path) -> type[BaseModel]:
    return Format if path.parent.name == "formats" else _MODELS[path.name]


def validate(path: Path, raw: Any, shown: str) -> None:
    """Raise SchemaError naming the file (`shown`) and the key path of the first wrong value."""
    try:
        model(path).model_validate(raw)
    except ValidationError as exc:
        raise SchemaError(_told(shown, exc)) from None


def _told(shown: str, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    # a union (a table or its patch, a text or a list) fails once per member: the
    # error whose path goes deepest is the one about the value itself
    first = max(errors, key=lambda e: len(e["loc"]))
    loc = ".".join(str(p) for p in first["loc"] if not _member(p)) or "（文件本身 / the file itself）"
    kind = "key" if first["loc"][-1:] == ("[key]",) and first["type"] == "literal_error" else first["type"]
    said = f"{_ZH[kind]} / {first['msg']}" if kind in _ZH else first["msg"]
    found = "" if first["type"] == "missing" else f"，实际为 {_value(first['input'])}"
    return f"{shown}: {loc}: {said}{found}"


# the names pydantic puts in an error's path for the member of a union that failed
_MEMBERS = {name for name, value in globals().items() if isinstance(value, type) and issubclass(value, BaseModel)} \
    | {"str", "int", "float", "bool"}


def _member(part: Any) -> bool:
    return isinstance(part, str) and (part in _MEMBERS or "[" in part or "(" in part)


def _value(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 60 else text[:60] + "…"
