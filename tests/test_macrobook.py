"""`xltools excel-setup`: the macro-enabled template. LibreOffice, which reads VBA
projects and form buttons on its own, must find the macros and the buttons."""
from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
from html import unescape

import olefile
import pytest
from conftest import REPO, differing_parts
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.excel.macrobook import macros
from xltools.excel.vba import compress
from xltools.model.schema import load_template
from xltools.rules.batch import check_paths
from xltools.xlsx.layout import load_layout

BUTTONS = load_template().excel.buttons


def decompress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1.3.1, as a reader implements it."""
    assert data[0] == 1
    out, pos = bytearray(), 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size, compressed, start = (header & 0x0FFF) + 3, header >> 15, len(out)
        end, pos = pos + size, pos + 2
        if not compressed:
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=9000), st.text(alphabet="Sub End ()\"检查\r\n ", max_size=9000).map(
    lambda t: t.encode("gbk"))))
def test_compression_round_trips(data):
    assert decompress(compress(data)) == data


def decrypt(text: str, project_id: str) -> tuple[int, bytes]:
    """[MS-OVBA] 2.4.3.3: the version and the data of CMG, DPB and GC."""
    b = bytes.fromhex(text)
    seed, version, key = b[0], b[0] ^ b[1], b[0] ^ b[2]
    assert key == sum(project_id.encode()) & 0xFF
    unencrypted, enc1, enc2, out = key, b[2], b[1], []
    for byte in b[3:]:
        plain = byte ^ ((enc2 + unencrypted) & 0xFF)
        out.append(plain)
        enc2, enc1, unencrypted = enc1, byte, plain
    data = bytes(out[(seed & 6) // 2:])
    length = struct.unpack_from("<I", data)[0]
    assert len(data) == 4 + length
    return version, data[4:]


def project_text(vba: bytes) -> dict[str, str]:
    with olefile.OleFileIO(io.BytesIO(vba)) as ole:
        text = ole.openstream("PROJECT").read().decode("gbk")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("&"))


def test_protection_fields_decrypt_as_excel_writes_them():
    xlwings = pytest.importorskip("xlwings")
    from pathlib import Path

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as z:
        theirs = project_text(z.read("xl/vbaProject.bin"))  # written by Excel
    with zipfile.ZipFile(REPO / "workbooks" / "template.xlsm") as z:
        ours = project_text(z.read("xl/vbaProject.bin"))
    for fields in (theirs, ours):
        pid = fields["ID"].strip('"')
        assert decrypt(fields["CMG"].strip('"'), pid) == (2, b"\0\0\0\0")  # not locked
        assert decrypt(fields["DPB"].strip('"'), pid) == (2, b"\0")  # no password
        assert decrypt(fields["GC"].strip('"'), pid) == (2, b"\xff")  # visible


def test_excel_setup_writes_the_committed_workbook_and_says_how(tmp_path, cli):
    result = cli("excel-setup", "-o", str(tmp_path / "t.xlsm"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.xlsm").read_bytes() == (REPO / "workbooks" / "template.xlsm").read_bytes(), \
        differing_parts(tmp_path / "t.xlsm", REPO / "workbooks" / "template.xlsm")
    assert result.output.splitlines()[0] == f"已写入带按钮的模板：{tmp_path / 't.xlsm'}"
    assert "xlwings addin install" in result.output
    bad = cli("excel-setup", "-o", str(tmp_path / "t.xlsx"))
    assert bad.exit_code == 2 and "xlsm" in bad.output and not (tmp_path / "t.xlsx").exists()


def test_libreoffice_finds_the_macros_and_the_buttons(tmp_path, soffice, cli):
    cli("excel-setup", "-o", str(tmp_path / "t.xlsm"), "--unit", "赤土店镇", "--year", "2023")
    ods = soffice(tmp_path / "t.xlsm", "ods")
    with zipfile.ZipFile(ods) as z:
        module = z.read("Basic/VBAProject/xltools.xml").decode("utf-8")
        content = z.read("content.xml").decode("utf-8")
    source = unescape(module.split(">", 3)[3].rsplit("</script:module>", 1)[0])
    assert macros().replace("\n", "") in source.replace("\r", "").replace("\n", "")
    sheets = [s.name for s in load_layout().data_sheets]
    for b in BUTTONS:
        assert content.count(f'form:label="{b.caption}"') == len(sheets)
        assert content.count(f'{b.macro}?language=Basic') == len(sheets)
    cli("template", "-o", str(tmp_path / "t.xlsx"), "--unit", "赤土店镇", "--year", "2023")
    macro, plain = check_paths([tmp_path / "t.xlsm", tmp_path / "t.xlsx"])
    # the same workbook to the checker, which reads values only and never runs macros
    assert macro.findings[0].rule == "F9"
    assert [f.to_dict() for f in macro.findings[1:]] == [f.to_dict() for f in plain.findings]


def test_the_macro_workbook_is_the_same_whatever_the_hash_seed(tmp_path):
    """openpyxl writes the macro parts, and lists their extensions, in the order of a
    set: with PYTHONHASHSEED 11 .bin came before .vml, and the committed workbook
    differed in one run of about nine."""
    for seed in ("0", "11", "23"):
        out = tmp_path / f"{seed}.xlsm"
        subprocess.run([sys.executable, "-m", "xltools", "excel-setup", "-o", str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        assert out.read_bytes() == (REPO / "workbooks" / "template.xlsm").read_bytes(), \
            (seed, differing_parts(out, REPO / "workbooks" / "template.xlsm"))
