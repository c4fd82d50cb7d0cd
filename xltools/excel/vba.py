"""A VBA project (xl/vbaProject.bin) written from module source text.

The project holds source only, no compiled code (_VBA_PROJECT version 0xFFFF, as
xlwings' own quickstart workbooks do), so Excel compiles it when it opens the file.
Formats: [MS-OVBA] for the project (compressed streams, the dir stream, the PROJECT
text) and [MS-CFB] version 3 for the compound file around it.
"""
from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass

CODEPAGE = 936  # GBK: the code page of Chinese Windows, in which Excel reads the source
_DOCUMENT_BASE = "0{00020820-0000-0000-C000-000000000046}"  # a worksheet's or workbook's class
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"


@dataclass(frozen=True)
class Module:
    name: str
    code: str  # the procedures, without Attribute lines
    document: str | None = None  # "workbook" or "worksheet" for the modules behind them

    def source(self) -> str:
        head = [f'Attribute VB_Name = "{self.name}"']
        if self.document:
            base = _WORKBOOK_BASE if self.document == "workbook" else _DOCUMENT_BASE
            head += [f'Attribute VB_Base = "{base}"', "Attribute VB_GlobalNameSpace = False",
                     "Attribute VB_Creatable = False", "Attribute VB_PredeclaredId = True",
                     "Attribute VB_Exposed = True", "Attribute VB_TemplateDerived = False",
                     "Attribute VB_Customizable = True"]
        return "\r\n".join(head + self.code.splitlines()) + "\r\n"


# --- [MS-OVBA] 2.4.1 compression -------------------------------------------------

def _chunk(data: bytes) -> bytes:
    out = bytearray()
    seen: dict[bytes, list[int]] = {}  # where each 3-byte sequence started, to find matches fast
    pos = 0

    while pos < len(data):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= len(data):
                break
            bits = max((pos - 1).bit_length(), 4) if pos else 4
            longest = min((0xFFFF >> bits) + 3, len(data) - pos)
            best_len = best_off = 0
            for start in reversed(seen.get(data[pos:pos + 3], ())):
                n = 0
                while n < longest and data[start + n] == data[pos + n]:
                    n += 1
                if n > best_len:
                    best_len, best_off = n, pos - start
                    if n == longest:
                        break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                out += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                out[flag_at] |= 1 << bit
            else:
                out.append(data[pos])
            for i in range(pos, pos + step):
                seen.setdefault(data[i:i + 3], []).append(i)
            pos += step
    return bytes(out)


def compress(data: bytes) -> bytes:
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        piece = data[start:start + 4096]
        body = _chunk(piece)
        if len(body) > 4096:  # incompressible: a raw chunk holds exactly 4096 bytes
            out += struct.pack("<H", 0x3FFF) + piece.ljust(4096, b"\x00")
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


# --- [MS-OVBA] 2.3.4.2 dir stream ---------------------------------------------------

def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _mbcs(text: str) -> bytes:
    return text.encode("gbk")


def _dir(modules: list[Module]) -> bytes:
    out = bytearray()
    out += _rec(0x01, struct.pack("<I", 1))  # SysKind: Win32, which Excel 64-bit reads too
    out += _rec(0x02, struct.pack("<I", 0x0804)) + _rec(0x14, struct.pack("<I", 0x0804))
    out += _rec(0x03, struct.pack("<H", CODEPAGE))
    out += _rec(0x04, b"VBAProject")
    out += _rec(0x05, b"") + _rec(0x40, b"")
    out += _rec(0x06, b"") + _rec(0x3D, b"")
    out += _rec(0x07, struct.pack("<I", 0)) + _rec(0x08, struct.pack("<I", 0))
    out += struct.pack("<HIIH", 0x09, 4, 1, 0)  # version: its size field says 4 but 6 bytes follow
    out += _rec(0x0C, b"") + _rec(0x3C, b"")
    out += _rec(0x0F, struct.pack("<H", len(modules))) + _rec(0x13, struct.pack("<H", 0xFFFF))
    for m in modules:
        name, wide = _mbcs(m.name), m.name.encode("utf-16-le")
        out += _rec(0x19, name) + _rec(0x47, wide)
        out += _rec(0x1A, name) + _rec(0x32, wide)
        out += _rec(0x1C, b"") + _rec(0x48, b"")
        out += _rec(0x31, struct.pack("<I", 0))  # the source starts the stream: no compiled code
        out += _rec(0x1E, struct.pack("<I", 0)) + _rec(0x2C, struct.pack("<H", 0xFFFF))
        out += _rec(0x22 if m.document else 0x21, b"")
        out += _rec(0x2B, b"")
    out += _rec(0x10, b"")
    return bytes(out)


# --- [MS-OVBA] 2.3.1 PROJECT stream, with 2.4.3 data encryption ----------------------

def _encrypt(data: bytes, project_id: str, seed: int) -> str:
    key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = [seed, seed ^ version, seed ^ key]
    unencrypted, enc1, enc2 = key, seed ^ key, seed ^ version
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        b = ((enc2 + unencrypted) & 0xFF) ^ byte
        out.append(b)
        enc2, enc1, unencrypted = enc1, b, byte
    return bytes(out).hex().upper()


def _project(modules: list[Module], project_id: str, seeds: bytes) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}")
    unlocked, no_password, visible = struct.pack("<I", 0), bytes([0]), bytes([0xFF])
    lines += ['Name="VBAProject"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{_encrypt(unlocked, project_id, seeds[0])}"',
              f'DPB="{_encrypt(no_password, project_id, seeds[1])}"',
              f'GC="{_encrypt(visible, project_id, seeds[2])}"',
              "", "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
              "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def _project_wm(modules: list[Module]) -> bytes:
    return b"".join(_mbcs(m.name) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" for m in modules) + b"\x00\x00"


def project(modules: list[Module]) -> bytes:
    """vbaProject.bin for these modules. Deterministic: the project's id and the
    seeds of its encrypted fields are derived from the source."""
    digest = hashlib.sha256("\0".join(m.source() for m in modules).encode("utf-8")).digest()
    project_id = "{" + str(uuid.UUID(bytes=digest[:16])).upper() + "}"
    streams = {"PROJECT": _project(modules, project_id, digest[16:19]), "PROJECTwm": _project_wm(modules),
               "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0),
               "VBA/dir": compress(_dir(modules))}
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(_mbcs(m.source()))
    return compound_file(streams)


# --- [MS-CFB] version 3 -------------------------------------------------------------

_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list = None
    start: int = _END
    left: int = _NONE
    right: int = _NONE
    child: int = _NONE
    red: bool = False


def _key(name: str):
    return (len(name.encode("utf-16-le")), name.upper())


def _tree(entries: list[_Entry], ids: list[int], depth: int = 0, full: int = 0) -> int:
    """A balanced red-black tree of siblings: every level full but the last, whose
    nodes are red, so every path has the same number of black nodes."""
    if not ids:
        return _NONE
    mid = (len(ids) - 1) // 2
    node = entries[ids[mid]]
    node.red = depth == full
    node.left = _tree(entries, ids[:mid], depth + 1, full)
    node.right = _tree(entries, ids[mid + 1:], depth + 1, full)
    return ids[mid]


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else _END


def _entries(streams: dict[str, bytes]) -> list[_Entry]:
    """The directory: the root, a storage for every folder of the paths, a stream for
    each path, each storage's children as a balanced red-black tree."""
    entries = [_Entry("Root Entry", 5, children=[])]
    storages = {"": 0}
    for path in sorted(streams):
        *dirs, leaf = path.split("/")
        parent = ""
        for d in dirs:
            key = f"{parent}/{d}" if parent else d
            if key not in storages:
                storages[key] = len(entries)
                entries.append(_Entry(d, 1, children=[]))
                entries[storages[parent]].children.append(storages[key])
            parent = key
        entries[storages[parent]].children.append(len(entries))
        entries.append(_Entry(leaf, 2, streams[path]))
    for e in entries:
        if e.children:
            ids = sorted(e.children, key=lambda i: _key(entries[i].name))
            e.child = _tree(entries, ids, full=len(ids).bit_length() - 1)
    return entries


def _mini_streams(entries: list[_Entry]) -> tuple[bytearray, list[int], list[_Entry]]:
    """Small streams packed into the mini stream (with their mini FAT); the large ones
    left for sectors of their own."""
    mini = bytearray()
    minifat: list[int] = []
    big = []
    for e in entries:
        if e.kind != 2 or not e.data:
            continue
        if len(e.data) < _CUTOFF:
            e.start = len(minifat)
            count = -(-len(e.data) // _MINI)
            minifat += [0] * count
            _chain(minifat, e.start, count)
            mini += e.data.ljust(count * _MINI, b"\x00")
        else:
            big.append(e)
    return mini, minifat, big


def _sectors(n: int) -> int:
    return -(-n // _SECTOR)


def _direntry(e: _Entry | None) -> bytes:
    if e is None:
        return b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NONE, _NONE, _NONE) + b"\x00" * 36 + \
            struct.pack("<IQ", 0, 0)
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    size = len(e.data) if e.kind != 1 else 0
    start = e.start if e.kind != 1 and size else (0 if e.kind == 1 else _END)
    return name.ljust(64, b"\x00") + struct.pack("<HBBIII", len(name), e.kind, 0 if e.red else 1,
                                                 e.left, e.right, e.child) + \
        b"\x00" * 16 + struct.pack("<IQQ", 0, 0, 0) + struct.pack("<IQ", start, size)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` by path ("VBA/dir"); all storages implied.
    Sectors in order: FAT, directory, mini FAT, mini stream, large streams."""
    entries = _entries(streams)
    mini, minifat, big = _mini_streams(entries)
    n_dir = _sectors(len(entries) * 128)
    n_minifat = _sectors(len(minifat) * 4)
    n_mini = _sectors(len(mini))
    n_big = sum(_sectors(len(e.data)) for e in big)
    n_fat = 1
    while n_fat * (_SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("the VBA project is too large for a compound file without DIFAT sectors")
    fat = [_FREE] * (n_fat * _SECTOR // 4)
    for i in range(n_fat):
        fat[i] = _FAT
    at = n_fat
    first_dir = at
    _chain(fat, at, n_dir)
    at += n_dir
    first_minifat = at if n_minifat else _END
    _chain(fat, at, n_minifat)
    at += n_minifat
    root = entries[0]
    root.start = at if n_mini else _END
    root.data = bytes(mini)
    _chain(fat, at, n_mini)
    at += n_mini
    for e in big:
        e.start = at
        _chain(fat, at, _sectors(len(e.data)))
        at += _sectors(len(e.data))

    directory = b"".join(_direntry(e) for e in entries + [None] * (n_dir * _SECTOR // 128 - len(entries)))
    difat = [i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, _CUTOFF, first_minifat, n_minifat, _END, 0)
              + struct.pack("<109I", *difat))
    body = struct.pack(f"<{len(fat)}I", *fat)
    body += directory
    body += struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * _SECTOR, b"\xff")
    body += bytes(mini).ljust(n_mini * _SECTOR, b"\x00")
    for e in big:
        body += e.data.ljust(_sectors(len(e.data)) * _SECTOR, b"\x00")
    return header + body
