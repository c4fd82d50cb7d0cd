"""What a unit published, checked against what it filed (先备案后公布, and the same
report): the page it hands in (a saved web page, the .docx or the .pdf it put
online) is imported and compared with its filed version as `xltools compare`
does (P1 figures, P2 text sections), and the answer kept with the publication:
the same report, a different one (cell by cell), or one that cannot be verified
(the import's findings say why; a partial read is never "the same")."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from xltools.desk.ledger import Event, private
from xltools.desk.settings import DeskError, settings
from xltools.desk.standing import Standing
from xltools.model.schema import words

# a unit's publication, in the order the board filters and counts them
STATES = ("unpublished", "agrees", "differs", "unverifiable")
LANGS = ("zh", "en")


@dataclass
class Publication:
    """Where a unit's publication stands: its state, the event that recorded it (None
    before it published), the differences from the filed version and, when it could
    not be verified, why (in each language)."""

    state: str
    event: Event | None = None
    differences: list[dict] = field(default_factory=list)  # {"cell", "label", "filed", "published"}
    why: dict = field(default_factory=dict)  # lang → the reasons

    @property
    def number(self) -> int | None:
        """The unit's publication record 1, 2, … (a corrected page is the next)."""
        return (self.event.detail or {}).get("number") if self.event else None

    @property
    def filename(self) -> str | None:
        return (self.event.detail or {}).get("filename") if self.event else None

    def text(self, lang: str = "zh") -> str:
        """已发布（与备案一致）, …（与备案不一致：N 处）, …（无法核对：…） or 未发布."""
        w = words(lang)
        why = w["desk_publication_why_separator"].join(r.rstrip("。.") for r in self.why.get(lang, []))
        return w["desk_publication_" + self.state].format(n=len(self.differences), why=why)

    def to_data(self, lang: str = "zh") -> dict:
        """As the status API and `desk status -f json` give it."""
        e = self.event
        return {"state": words(lang)["desk_publication_filter_" + self.state], "state_key": self.state,
                "text": self.text(lang), "url": e.url if e else None, "date": e.date if e else None,
                "number": self.number, "differences": len(self.differences) if self.state == "differs" else None}


def publication_of(st: Standing) -> Publication:
    """The unit's last publication as recorded: a publication recorded with no page
    handed in (an address only) cannot be verified."""
    event = st.publication
    if event is None:
        return Publication("unpublished")
    detail = event.detail or {}
    if "state" not in detail:
        return Publication("unverifiable", event,
                           why={lang: [words(lang)["desk_publication_no_file"]] for lang in LANGS})
    return Publication(detail["state"], event, detail.get("differences", []), detail.get("why", {}))


def counts(standings: list[Standing]) -> dict[str, int]:
    """How many units stand in each publication state."""
    states = [publication_of(s).state for s in standings]
    return {key: states.count(key) for key in STATES}


def document_suffix(filename: str) -> str:
    """The suffix of a published page handed in; refused when the desk cannot read its kind."""
    suffix = Path(filename or "").suffix.lower()
    allowed = settings().publication.suffixes
    if suffix not in allowed:
        raise DeskError("publication_suffix", file=Path(filename or "").name or "—", allowed="、".join(allowed))
    return suffix


def keep(folder: Path, data: bytes, suffix: str) -> tuple[str, str]:
    """The page's bytes kept under their SHA-256 in the desk's publications/, read-only
    (apart from versions/, which holds workbooks only); (sha256, path relative to the
    desk folder)."""
    from xltools.model.files import atomic_output

    sha = hashlib.sha256(data).hexdigest()
    rel = f"{settings().files['publications']}/{sha[:2]}/{sha}{suffix}"
    target = folder / rel
    if not target.exists():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with atomic_output(target) as fh:
            fh.write(data)
        private(target, 0o400)
    return sha, rel


def differences(pair) -> list[dict]:
    """A same-report pair's differences cell by cell, as `xltools compare` finds them:
    {"cell", "label", "old", "new"}; a text section's new value marks the changed
    sentences."""
    from xltools.xlsx.layout import load_layout

    fields = load_layout().format.fields
    return [{"cell": f.cells[0], "label": fields[f.fields[0]].label,
             "old": f.expected if f.rule == "P1" else "", "new": f.actual if f.rule == "P1" else f.params["diff"]}
            for f in pair.findings if f.rule in ("P1", "P2")]


def _said(messages) -> dict:
    """Reasons in both languages (`messages(lang)` → a list of sentences)."""
    return {lang: messages(lang) for lang in LANGS}


def verify(filed: Path, page: Path) -> dict:
    """The page compared with the filed workbook as `xltools compare` compares them:
    {"state", "differences", "why"}, kept as the publication's detail."""
    from xltools.commands.compare import CompareError, compare

    try:
        comp = compare(filed, page, jobs=1)
    except CompareError as exc:  # another unit's or another year's report
        return {"state": "unverifiable", "differences": [], "why": _said(lambda lang, e=exc: [e.message(lang)])}
    if comp.unreadable:
        found = [f for r in comp.unreadable for f in r.findings]
        return {"state": "unverifiable", "differences": [],
                "why": _said(lambda lang: [f.message(lang) for f in found] or [comp.unreadable[0].unreadable])}
    pair = comp.pairs[0]
    found = [{"cell": d["cell"], "label": d["label"], "filed": d["old"], "published": d["new"]}
             for d in differences(pair)]
    if found:  # a difference read is a difference, whatever else could not be read
        return {"state": "differs", "differences": found, "why": {}}
    if pair.new.not_imported:  # a partial read is never "the same report"
        return {"state": "unverifiable", "differences": [], "why": _said(_import_findings(page))}
    return {"state": "agrees", "differences": [], "why": {}}


def _import_findings(page: Path):
    """Why an import left figures unread: its findings, said in a language."""
    from xltools.documents.importer import import_document
    from xltools.documents.sources import read_document

    found = import_document(read_document(page)).findings
    return lambda lang: [f.message(lang) for f in found] or [words(lang)["desk_publication_partial"]]


def comparison_workbook(desk, st: Standing, lang: str = "zh") -> tuple[Path, int] | None:
    """The workbook `xltools compare -o` writes of the unit's last published page
    against the version it was checked with (made once, in the desk's marked/), and
    the publication's number; None when no page was compared."""
    from xltools.commands.compare import compare
    from xltools.commands.comparebook import write_comparison

    made = publication_of(st)
    if made.state not in ("agrees", "differs"):
        return None
    detail = made.event.detail
    out = desk.path("marked") / f"publication-{detail['sha256']}-{detail['version']}.{lang}.xlsx"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        filed = desk.version_path(st.version(detail["version"]))
        write_comparison(compare(filed, desk.folder / detail["file"], jobs=1), out, lang)
        private(out)
    return out, made.number
