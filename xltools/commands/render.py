"""Check results as text for people (Chinese or English) and as JSON for programs."""
from __future__ import annotations

from itertools import groupby

from xltools.model.report import dumps
from xltools.rules.check import FileResult

WORDS = {
    "zh": {
        "error": "错误", "warning": "警告", "explained": "已说明", "fix": "修改", "unreadable": "无法读取",
        "year": "{year}年", "general": "整个文件",
        "ok": "结果：通过，没有发现问题。",
        "summary": "结果：{errors} 个错误，{warnings} 个警告{explained}。",
        "explained_part": "（其中 {n} 个已在审核说明中说明）",
        "total": "共检查 {files} 个文件：{ok} 个无错误，{bad} 个有错误，{unreadable} 个无法读取。",
        "filled": "已补全：{path} → {out}",
        "fill_total": "  {cell}（{label}）：{old} → {new}",
        "fill_formula": "  恢复了 {n} 个被数字覆盖的合计公式（数值不变）",
        "fill_blank": "  {n} 个空白单元格改为 0",
        "fill_mark": "  {n} 个填了“/”“—”“无”等的单元格改为 0",
        "fill_text": "  {cell}：“{old}” → {new}（文字改为数字）",
        "fill_nothing": "  无需修改，合计已写入公式和数值",
        "refused": "未补全 {path}：表格结构或数字有问题，补全可能写错单元格。请先改正：",
        "merged": "已写入汇总表 {out}（{unit}，{year}年）：汇总 {n} 个单位。",
        "not_written": "未写入汇总表：{why}",
        "nothing": "没有可以汇总的报送",
        "strict": "有报送被排除（--strict）",
        "excluded": "未汇总 {n} 份：",
        "missing": "未报送 {n} 个：",
        "skipped": "跳过 {n} 个文件（锁定文件、隐藏文件或不是工作簿）：",
        "progress": "读取 {done}/{total}",
        "imported": "已导入：{source} → {out}（{format} 年格式）",
        "published": "已写入报告：{out}（{unit}，{year}年）",
        "publish_refused": "未写入报告：{path} 有错误，请先改正，或用 --force 照样发布。",
        "excel_setup": (
            "已写入带按钮的模板：{out}\n"
            "\n"
            "在 Excel 中使用按钮（Windows 或 macOS，需要 Microsoft Excel；WPS 请用普通模板，其中的公式和 ✓/✗ 同样会检查）：\n"
            "  1. 安装 Python 3（python.org；安装时勾选“Add python.exe to PATH”）。\n"
            "  2. 打开“命令提示符”，运行：pip install \"xltools[excel]\"\n"
            "  3. 再运行：xlwings addin install（安装 xlwings 加载项，Excel 的功能区会多出“xlwings”）。\n"
            "  4. 关闭所有 Excel 窗口，双击打开 {out}，在黄色提示条上点“启用内容”。\n"
            "  5. 各表右上角有三个按钮：\n"
            "     检查 —— 检查当前内容（未保存的修改也算），问题单元格标红（错误）或标黄（警告），并列在“检查结果”表；\n"
            "     填写合计 —— 合计写成公式，空白的填 0，文字数字改为数字；\n"
            "     清除标记 —— 去掉检查留下的颜色、批注和“检查结果”表。\n"
            "  报送时可另存为 .xlsx；县里用 xltools check 检查 .xlsm 时只读取数值，不运行宏。"
        ),
    },
    "en": {
        "error": "error", "warning": "warning", "explained": "explained", "fix": "fix", "unreadable": "cannot be read",
        "year": "{year}", "general": "whole file",
        "ok": "Result: OK, no findings.",
        "summary": "Result: {errors} errors, {warnings} warnings{explained}.",
        "explained_part": " ({n} explained in 审核说明)",
        "total": "Checked {files} files: {ok} without errors, {bad} with errors, {unreadable} unreadable.",
        "filled": "Filled: {path} → {out}",
        "fill_total": "  {cell} ({label}): {old} → {new}",
        "fill_formula": "  restored {n} total formulas typed over with the same number",
        "fill_blank": "  {n} blank cells set to 0",
        "fill_mark": "  {n} cells holding \"/\", \"—\", \"无\" … set to 0",
        "fill_text": "  {cell}: \"{old}\" → {new} (text made a number)",
        "fill_nothing": "  nothing to change; totals written as formulas with values",
        "refused": "Not filled {path}: its structure or numbers would make filling write wrong cells. Fix first:",
        "merged": "Wrote the summary {out} ({unit}, {year}): {n} units merged.",
        "not_written": "No summary written: {why}",
        "nothing": "no submission can be merged",
        "strict": "submissions were excluded (--strict)",
        "excluded": "{n} not merged:",
        "missing": "{n} not submitted:",
        "skipped": "{n} files skipped (lock files, hidden files, not workbooks):",
        "progress": "reading {done}/{total}",
        "imported": "Imported: {source} → {out} ({format} format)",
        "published": "Wrote the report {out} ({unit}, {year})",
        "publish_refused": "No report written: {path} has errors; fix them first, or use --force.",
        "excel_setup": (
            "Wrote the template with buttons: {out}\n"
            "\n"
            "To use the buttons in Excel (Windows or macOS, Microsoft Excel; in WPS use the plain template,\n"
            "whose formulas and ✓/✗ checks work there too):\n"
            "  1. Install Python 3 (python.org; tick \"Add python.exe to PATH\").\n"
            "  2. In a command prompt: pip install \"xltools[excel]\"\n"
            "  3. Then: xlwings addin install (Excel's ribbon gains an \"xlwings\" tab).\n"
            "  4. Close Excel, open {out}, and click \"Enable Content\" on the yellow bar.\n"
            "  5. Each sheet has three buttons at its top right:\n"
            "     检查 (check) marks problem cells red (errors) or yellow (warnings), unsaved edits included,\n"
            "       and lists them on the sheet 检查结果;\n"
            "     填写合计 (fill) writes every total as a formula, blanks as 0, numbers typed as text as numbers;\n"
            "     清除标记 (clear) removes the colours, notes and the 检查结果 sheet the check left.\n"
            "  Submit it as .xlsx if asked; xltools check reads a .xlsm's values and never runs its macros."
        ),
    },
}


def _header(r: FileResult, w: dict) -> str:
    about = [x for x in (r.unit, w["year"].format(year=r.year) if r.year else None) if x]
    return f"== {r.path}" + (f"（{'，'.join(about)}）" if about else "") + " =="


def render_text(results: list[FileResult], lang: str = "zh") -> str:
    w = WORDS[lang]
    lines: list[str] = []
    for r in results:
        lines.append(_header(r, w))
        if r.error:
            reason = r.findings[0] if r.findings else None
            text = reason.message(lang) if reason else r.error
            lines.append(f"  {w['unreadable']}：{text}" if lang == "zh" else f"  {w['unreadable']}: {text}")
            if reason and reason.fix(lang):
                lines.append(f"    {w['fix']}：{reason.fix(lang)}" if lang == "zh" else f"    {w['fix']}: {reason.fix(lang)}")
            lines.append("")
            continue
        for sheet, group in groupby(r.findings, key=lambda f: f.sheet):
            lines.append(f"  [{sheet or w['general']}]")
            for f in group:
                mark = w[f.severity] + (f"（{w['explained']}）" if lang == "zh" and f.explained
                                        else f" ({w['explained']})" if f.explained else "")
                where = f" {f.cells[0]}" if f.cells else ""
                lines.append(f"  {mark} {f.rule} {f.title(lang)}{where}")
                lines.append(f"    {f.message(lang)}")
                if f.explained:
                    lines.append(f"    {w['explained']}：{f.explanation}" if lang == "zh"
                                 else f"    {w['explained']}: {f.explanation}")
                elif f.fix(lang):
                    lines.append(f"    {w['fix']}：{f.fix(lang)}" if lang == "zh" else f"    {w['fix']}: {f.fix(lang)}")
        if not r.findings:
            lines.append(w["ok"])
        else:
            explained = sum(f.explained for f in r.warnings)
            part = w["explained_part"].format(n=explained) if explained else ""
            lines.append(w["summary"].format(errors=len(r.errors), warnings=len(r.warnings), explained=part))
        lines.append("")
    if len(results) > 1:
        lines.append(w["total"].format(files=len(results), ok=sum(r.ok for r in results),
                                       bad=sum(bool(r.errors) for r in results),
                                       unreadable=sum(r.error is not None for r in results)))
    return "\n".join(lines).rstrip("\n") + "\n"


def result_dict(r: FileResult, lang: str = "zh") -> dict:
    out = {"path": str(r.path), "unit": r.unit, "year": r.year, "ok": r.ok,
           "errors": len(r.errors), "warnings": len(r.warnings),
           "findings": [f.to_dict(lang) for f in r.findings]}
    if r.error:
        out["error"] = r.error
    return out


def render_json(results: list[FileResult], lang: str = "zh") -> str:
    return dumps({"files": [result_dict(r, lang) for r in results]}) + "\n"


def render_fill(result, lang: str = "zh") -> str:
    from xltools.model.schema import load_format

    w = WORDS[lang]
    if result.refused is not None:
        return w["refused"].format(path=result.path) + "\n" + render_text([result.refused], lang)
    fields = load_format().fields
    lines = [w["filled"].format(path=result.path, out=result.out)]
    for c in result.changes:
        if c.kind == "total":
            lines.append(w["fill_total"].format(cell=c.cell, label=fields[c.field].label, old=c.old, new=c.new))
        elif c.kind == "text":
            lines.append(w["fill_text"].format(cell=c.cell, old=c.old, new=c.new))
    for kind in ("formula", "blank", "mark"):
        if result.count(kind):
            lines.append(w[f"fill_{kind}"].format(n=result.count(kind)))
    if not result.changes:
        lines.append(w["fill_nothing"])
    return "\n".join(lines) + "\n"


def render_merge(result, out, written: bool, why: str | None = None, lang: str = "zh") -> str:
    from xltools.commands.summary import problems
    from xltools.model.schema import load_summary

    w, status = WORDS[lang], load_summary()["status"]
    lines = []
    if written:
        lines.append(w["merged"].format(out=out, unit=result.unit, year=result.year, n=len(result.merged)))
    else:
        lines.append(w["not_written"].format(why=w[why]))
    if result.excluded:
        lines.append(w["excluded"].format(n=len(result.excluded)))
        for s in result.excluded:
            lines.append(f"  {status[s.status][lang]}  {s.shown}  {s.path}")
            lines += [f"    {line}" for line in problems(s, result.year, lang).splitlines()]
    if result.missing:
        lines.append(w["missing"].format(n=len(result.missing)))
        lines += [f"  {m.unit.name} {m.unit.code}".rstrip() for m in result.missing]
    if result.skipped:
        lines.append(w["skipped"].format(n=len(result.skipped)))
        lines += [f"  {p}" for p in result.skipped]
    return "\n".join(lines) + "\n"
