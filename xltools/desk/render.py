"""What the desk's commands print."""
from __future__ import annotations

from xltools.desk.publication import Publication, publication_of
from xltools.desk.service import Desk, Received
from xltools.desk.settings import now, settings, shown_time, status_word
from xltools.desk.standing import Standing
from xltools.model.report import dumps
from xltools.model.schema import words


def verdict(version, lang: str) -> str:
    """A version's check in a few words: passed, or how many errors and warnings."""
    if not version.errors and not version.warnings:
        return words(lang)["desk_passed"]
    return words(lang)["desk_counts"].format(errors=version.errors, warnings=version.warnings)


def render_status(desk: Desk, standings: list[Standing], lang: str = "zh") -> str:
    w = words(lang)
    tally = "，" if lang == "zh" else ", "
    lines = [w["desk_status_head"].format(
        unit=desk.unit_name or "", year=desk.year, time=now().strftime("%Y-%m-%d %H:%M"), n=len(standings),
        counts=tally.join(w["desk_status_count"].format(status=status_word(key, lang), n=n)
                          for key in settings().status for n in [sum(s.status == key for s in standings)] if n)),
        w["desk_status_deadlines"].format(submit_by=desk.deadlines.submit, publish_by=desk.deadlines.publish,
                                          fix_days=desk.deadlines.fix_days)]
    for s in standings:
        v = s.current
        version = w["desk_status_version"].format(number=v.number, time=shown_time(v.at), counts=verdict(v, lang)) \
            if v else unread_text(s, lang) if s.unread else w["desk_status_none"]
        late = [w["desk_overdue_short_" + k] for k in s.overdue] + [w["desk_late_" + k] for k in s.late]
        lines.append(w["desk_status_line"].format(unit=s.unit.name, status=status_text(s, lang), version=version,
                                                  overdue="  " + w["list_separator"].join(late) if late else ""))
    return "\n".join(lines) + "\n"


def status_text(s: Standing, lang: str = "zh") -> str:
    """A unit's status in words; once published, with what the check of its published page
    found (as the board's column says it), never a plain 已发布 that could hide a different report."""
    return publication_of(s).text(lang) if s.status == "published" else status_word(s.status, lang)


def unread_text(s: Standing, lang: str = "zh") -> str:
    """The file a unit sent that could not be read: its name, when, and why."""
    return words(lang)["desk_unread"].format(file=s.unread.detail["filename"], time=shown_time(s.unread.at),
                                             why=s.unread_why(lang))


def unit_json(st: Standing, lang: str = "zh") -> dict:
    """A unit as the status API and `desk status -f json` give it."""
    cur = st.current
    publication = st.publication
    unread = st.unread
    return {
        "unit": st.unit.name, "code": st.unit.code, "kind": st.unit.kind, "parent": st.unit.parent,
        "status": status_word(st.status, lang), "status_key": st.status,
        "versions": len(st.versions), "current_version": cur.number if cur else None,
        "last_upload": cur.at if cur else None,
        "errors": cur.errors if cur else None, "warnings": cur.warnings if cur else None,
        "score": cur.score if cur else None,
        "approved_version": st.approved.number if st.approved else None,
        "published": {"url": publication.url, "date": publication.date} if publication else None,
        "due": st.due.isoformat() if st.due else None,
        "overdue": st.overdue, "late": st.late,
        "note": st.last_return.note if st.status == "returned" else None,
        "unread": {"file": unread.detail["filename"], "at": unread.at, "why": st.unread_why(lang)} if unread else None,
        "publication": publication_of(st).to_data(lang),
    }


def render_status_json(standings: list[Standing], lang: str = "zh") -> str:
    return dumps([unit_json(s, lang) for s in standings]) + "\n"


def render_added(received: list[Received], lang: str = "zh") -> str:
    w = words(lang)
    lines = []
    for r in received:
        if r.unchanged:
            lines.append(w["desk_add_unchanged"].format(file=r.filename, unit=r.unit.name, same=r.sameness(lang)))
        elif r.version is not None:
            v = r.version
            said = verdict(v, lang) + (w["desk_add_same_sep"] + r.sameness(lang) if r.same_as else "")
            lines.append(w["desk_added"].format(file=r.filename, unit=r.unit.name, number=v.number, verdict=said))
        else:
            lines.append(w["desk_add_refused"].format(file=r.filename, reason=r.message(lang)))
        lines += r.beside_lines(lang)
    return "\n".join(lines) + "\n"


def render_desk_merge(desk: Desk, result, out, lang: str = "zh") -> str:
    from xltools.commands.summary import missing_text, problems
    from xltools.model.schema import load_summary

    w, status = words(lang), load_summary().status
    lines = [w["desk_merge_done"].format(out=out, unit=result.unit, year=result.year, n=len(result.merged))]
    if result.excluded:
        lines.append(w["desk_merge_excluded"].format(n=len(result.excluded)))
        for s in result.excluded:
            lines.append(f"  {status[s.status][lang]}  {s.shown}")
            lines += [f"    {line}" for line in problems(s, result.year, lang, warnings=False).splitlines()]
    if result.missing:
        lines.append(w["desk_merge_not_approved"].format(n=len(result.missing)))
        for m in result.missing:  # a unit whose file could not be read: the file and why, on its line
            said = "".join(missing_text(m, lang).splitlines()[:1 + bool(m.files)])
            lines.append(f"  {m.unit.name}  {status[m.status][lang]}  {said}")
    return "\n".join(lines) + "\n"


def render_publication(made: Publication, lang: str = "zh") -> str:
    """A publication's check: its state (why it could not be verified, in it), then each
    difference: cell, label, filed value, published value (a text section's changed
    sentences marked)."""
    w = words(lang)
    lines = [made.text(lang)]
    lines += [w["desk_publication_difference" if d["filed"] != "" else "desk_publication_text_difference"].format(**d)
              for d in made.differences]
    return "\n".join(lines) + "\n"
