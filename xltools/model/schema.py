"""The national format, the rule catalogue and the template, loaded from `schemas/`.

Everything that names a label, a field id or a rule comes from here; the YAML
files are the single source of truth and this module only expands their trees
into flat, ordered fields and concrete equations.
"""
from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from xltools.model.resources import data_dir

if TYPE_CHECKING:
    from xltools.model import config

NUMERIC_KINDS = ("count", "signed", "money")


@dataclass(frozen=True)
class Node:
    """A row or column of a table's header tree."""

    id: str | None
    label: str | None
    kind: str | None = None
    sum: tuple[str, ...] | None = None
    children: tuple["Node", ...] = ()

    @classmethod
    def parse(cls, raw: dict) -> "Node":
        return cls(
            id=raw.get("id"),
            label=raw.get("label"),
            kind=raw.get("kind"),
            sum=tuple(raw["sum"]) if "sum" in raw else None,
            children=tuple(cls.parse(c) for c in raw.get("children", ())),
        )

    def depth(self) -> int:
        own = 1 if self.label is not None else 0
        return own + max((c.depth() for c in self.children), default=0)


@dataclass(frozen=True)
class Leaf:
    """A leaf of a header tree, with the ids and labels of the path to it."""

    node: Node
    path: tuple[Node, ...]  # from the root to the leaf, the leaf included

    @property
    def key(self) -> str:
        return ".".join(n.id for n in self.path if n.id)

    @property
    def prefix(self) -> str:
        """The id path of the leaf's parent: `sum:` entries are relative to it."""
        return ".".join(n.id for n in self.path[:-1] if n.id)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(n.label for n in self.path if n.label is not None)


def leaves(nodes: tuple[Node, ...], path: tuple[Node, ...] = ()) -> list[Leaf]:
    out: list[Leaf] = []
    for node in nodes:
        if node.children:
            out.extend(leaves(node.children, path + (node,)))
        else:
            out.append(Leaf(node, path + (node,)))
    return out


@dataclass(frozen=True)
class Block:
    title: str | None
    corner: str | None
    rows: tuple[Node, ...]
    columns: tuple[Node, ...]


@dataclass(frozen=True)
class Table:
    id: str
    section: str
    title: str | None
    kind: str
    blocks: tuple[Block, ...]

    @property
    def width(self) -> int:
        """Data columns of the widest block: narrower blocks stretch their last column."""
        return max(len(leaves(b.columns)) for b in self.blocks)

    @property
    def label_depth(self) -> int:
        return max(max((r.depth() for r in b.rows), default=0) for b in self.blocks)


@dataclass(frozen=True)
class Field:
    """One value of a report: a number of a table, a text section or a cover entry."""

    id: str
    kind: str  # count | signed | money | total | text | year
    label: str
    table: str | None = None
    block: int | None = None
    block_title: str | None = None
    row: Leaf | None = None
    column: Leaf | None = None
    parts: tuple[str, ...] = ()  # for totals: the field ids added up (its formula)
    row_parts: tuple[str, ...] = ()  # a total row's parts in this column
    column_parts: tuple[str, ...] = ()  # a total column's parts in this row
    section: str | None = None

    @property
    def numeric(self) -> bool:
        return self.table is not None

    @property
    def value_kind(self) -> str:
        """What the cell holds: totals are counts."""
        return "count" if self.kind == "total" else self.kind

    @property
    def labels(self) -> dict:
        """The label paths of a table cell: block title, row labels, column labels."""
        block = {"block": self.block_title} if self.block_title else {}
        return {**block, "row": list(self.row.labels), "column": list(self.column.labels)}


@dataclass(frozen=True)
class Term:
    field: str
    sign: int = 1
    last_year: bool = False


@dataclass(frozen=True)
class Equation:
    """sum(left) = sum(right); for totals `left` is the total alone."""

    rule: str
    left: tuple[Term, ...]
    right: tuple[Term, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(t.field for t in self.left + self.right)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: dict
    description: dict
    check: dict
    messages: dict = field(default_factory=dict)  # case → {zh, en}
    fix: dict = field(default_factory=dict)       # {zh, en}
    explainable: bool = False  # a warning that an explanation in 审核说明 can accept


@dataclass
class Format:
    id: str
    title: str
    source: str
    sections: dict[str, str]
    tables: dict[str, Table]
    fields: dict[str, Field] = field(default_factory=dict)

    # The field lists are asked for per file read; the fields never change once loaded.
    @functools.cached_property
    def _numeric(self) -> list[Field]:
        return [f for f in self.fields.values() if f.numeric]

    def numeric_fields(self) -> list[Field]:
        return self._numeric

    @functools.cached_property
    def _text(self) -> list[Field]:
        return [f for f in self.fields.values() if f.kind == "text" and f.section]

    def text_fields(self) -> list[Field]:
        return self._text

    @functools.cached_property
    def _meta(self) -> list[Field]:
        return [f for f in self.fields.values() if not f.numeric and not f.section]

    def meta_fields(self) -> list[Field]:
        return self._meta

    @functools.cached_property
    def _totals(self) -> list[Field]:
        return [f for f in self.fields.values() if f.kind == "total"]

    def totals(self) -> list[Field]:
        return self._totals

    def cell(self, table: str, row: str, column: str) -> Field:
        return self.fields[".".join(p for p in (table, row, column) if p)]


# libyaml's loader where PyYAML was built with it (pip's wheels are), else the pure
# Python one: a PyYAML without libyaml has no CSafeLoader at all
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def read_schema(name: str) -> dict:
    """A file of schemas/ (`name` inside it), checked against its typed model
    (xltools.model.config): a value of the wrong kind raises SchemaError naming
    the file and the key, here rather than where the value is used."""
    path = data_dir("schemas") / name
    raw = _read_yaml(path)
    _validate(path, raw)
    _words_validated()
    return raw


def _validate(path: Path, raw: dict) -> None:
    from xltools.model.config import validate  # pydantic: only once a command loads what it works with

    validate(path, raw, path.relative_to(data_dir("schemas").parent).as_posix())


@functools.cache
def _words_validated() -> None:
    # words.yaml is read by every help screen, which must stay instant without
    # pydantic: it is validated with the first other schema file a process loads
    _validate(data_dir("schemas") / "words.yaml", load_words())


def _parse_table(table_id: str, raw: dict) -> Table:
    blocks = raw.get("blocks") or [raw]
    return Table(
        id=table_id,
        section=raw["section"],
        title=raw.get("title"),
        kind=raw.get("kind", "count"),
        blocks=tuple(
            Block(
                title=b.get("title") if "blocks" in raw else None,
                corner=b.get("corner"),
                rows=tuple(Node.parse(r) for r in b["rows"]),
                columns=tuple(Node.parse(c) for c in b["columns"]),
            )
            for b in blocks
        ),
    )


def _table_fields(table: Table) -> list[Field]:
    out = []

    def ids(pairs):
        return tuple(".".join(x for x in (table.id, r, c) if x) for r, c in pairs)

    for b, block in enumerate(table.blocks):
        cols = leaves(block.columns)
        for row in leaves(block.rows):
            for col in cols:
                fid = ".".join(p for p in (table.id, row.key, col.key) if p)
                across = ids((row.key, _join(col.prefix, p)) for p in col.node.sum or ())
                down = ids((_join(row.prefix, p), col.key) for p in row.node.sum or ())
                kind = "total" if across or down else (col.node.kind or row.node.kind or table.kind)
                title = (block.title,) if block.title else ()
                out.append(Field(
                    id=fid, kind=kind, label=" / ".join(title + row.labels + col.labels),
                    table=table.id, block=b, block_title=block.title, row=row, column=col, section=table.section,
                    parts=across or down, row_parts=down, column_parts=across,
                ))
    return out


def _join(prefix: str, rel: str) -> str:
    return f"{prefix}.{rel}" if prefix else rel


def _replace_rows(nodes: list, replacements: dict) -> list:
    out = []
    for node in nodes:
        if node.get("id") in replacements:
            out.append(replacements[node["id"]])
        else:
            node = dict(node)
            if "children" in node:
                node["children"] = _replace_rows(node["children"], replacements)
            out.append(node)
    return out


def _set_sums(nodes: list, sums: dict) -> None:
    for node in nodes:
        if node.get("id") in sums:
            node["sum"] = sums[node["id"]]
        _set_sums(node.get("children", []), sums)


def _resolve(raw: dict) -> dict:
    """Apply `inherits:`: a format may take another's parts and change some rows."""
    if "inherits" not in raw:
        return raw
    base = copy.deepcopy(_resolve(read_schema(f"formats/{raw['inherits']}.yaml")))
    for key in ("meta", "sections", "text"):
        base[key] = raw.get(key, base[key])
    for table_id, patch in raw["tables"].items():
        if "replace_rows" in patch or "replace_sum" in patch:
            table = base["tables"][table_id]
            table["rows"] = _replace_rows(table["rows"], patch.get("replace_rows", {}))
            _set_sums(table["rows"], patch.get("replace_sum", {}))
        else:
            base["tables"][table_id] = patch
    return {**base, "id": raw["id"], "title": raw["title"], "source": raw["source"]}


def format_ids() -> list[str]:
    """The formats schemas/formats/ describes, newest first."""
    return sorted((p.stem for p in (data_dir("schemas") / "formats").glob("*.yaml")), reverse=True)


@functools.cache
def load_format(format_id: str = "2021") -> Format:
    path = data_dir("schemas") / "formats" / f"{format_id}.yaml"
    if not path.is_file():
        raise KeyError(f"unknown report format {format_id!r}")
    raw = _resolve(read_schema(f"formats/{format_id}.yaml"))
    sections = {s["number"]: s["title"] for s in raw["sections"]}
    fmt = Format(
        id=str(raw["id"]), title=raw["title"], source=raw["source"], sections=sections,
        tables={tid: _parse_table(tid, t) for tid, t in raw["tables"].items()},
    )
    for m in raw["meta"]:
        fmt.fields[m["id"]] = Field(id=m["id"], kind=m.get("kind", "text"), label=m["label"])
    for t in raw["text"]:
        label = t.get("label", sections[t["section"]])
        fmt.fields[t["id"]] = Field(id=t["id"], kind="text", label=label, section=t["section"])
    for table in fmt.tables.values():
        for f in _table_fields(table):
            fmt.fields[f.id] = f
    return fmt


@functools.cache
def load_rules() -> dict[str, Rule]:
    raw = read_schema("rules.yaml")
    return {
        rid: Rule(id=rid, severity=r["severity"], title=r["title"], description=r["description"],
                  check=r["check"], messages=r.get("messages", {}), fix=r.get("fix", {}),
                  explainable=r["severity"] == "warning" and r.get("explainable", True))
        for rid, r in raw.items()
    }


def _typed(name: str):
    from xltools.model.config import model  # pydantic: only once a command loads what it works with

    return model(data_dir("schemas") / name).model_validate(read_schema(name))


@functools.cache
def load_template() -> config.Template:
    """The standard workbook's sheets, styles and validations (schemas/template.yaml)."""
    return _typed("template.yaml")


@functools.cache
def load_county() -> config.County:
    """Kinds of unit, figures, rates, charts and drafted sentences of the county's
    own report (schemas/county.yaml)."""
    return _typed("county.yaml")


@functools.cache
def load_summary() -> config.Summary:
    """The sheets and words of a summary workbook (merge)."""
    return _typed("summary.yaml")


@functools.cache
def load_scoring() -> config.Scoring:
    """The items of a report's score and the rules each counts (schemas/scoring.yaml)."""
    return _typed("scoring.yaml")


def _term(table: str, row: str | None, column: str | None, spec: str) -> Term:
    sign = -1 if spec.startswith("-") else 1
    spec = spec.lstrip("-")
    last = spec.startswith("last.")
    spec = spec.removeprefix("last.")
    if row is None:
        row = spec
    else:
        column = spec
    return Term(field=".".join(p for p in (table, row, column) if p), sign=sign, last_year=last)


def equations(fmt: Format, rule: Rule) -> list[Equation]:
    """The concrete equations a `sum`, `balance` or `previous` rule stands for."""
    check = rule.check
    if check["type"] == "sum":
        line = check.get("row") or check.get("column")
        axis = "row" if "row" in check else "column"
        return [
            Equation(rule.id, (Term(f.id),), tuple(Term(p) for p in getattr(f, f"{axis}_parts")))
            for f in fmt.fields.values()
            if f.table == check["table"] and getattr(f, axis).node.id == line
            and getattr(f, axis).node.sum is not None
        ]
    if check["type"] in ("balance", "previous"):
        table = fmt.tables[check["table"]]
        out = []
        for block in table.blocks:
            if check["per"] == "column":
                keys = [c.key for c in leaves(block.columns)]
                make = lambda key, spec: _term(table.id, None, key, spec)  # noqa: E731
            else:
                keys = [r.key for r in leaves(block.rows) if r.key in check.get("rows", [r.key])]
                make = lambda key, spec: _term(table.id, key, None, spec)  # noqa: E731
            for key in keys:
                left = tuple(make(key, s) for s in check["left"])
                right = tuple(make(key, s) for s in check["right"])
                if all(t.field in fmt.fields for t in left + right):
                    out.append(Equation(rule.id, left, right))
        return out
    return []


@functools.cache
def load_words() -> dict:
    """Interface words (schemas/words.yaml): key → {zh, en}."""
    return _read_yaml(data_dir("schemas") / "words.yaml")


@functools.cache
def words(lang: str = "zh") -> dict:
    """The interface words of one language: key → text (or list of texts)."""
    return {key: entry[lang] for key, entry in load_words().items()}
