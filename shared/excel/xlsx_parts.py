"""The xlsx package around the sheets: the check that a file is an xlsx at all, and the small parts read
whole with expat: the package relationships, the sheet list, the shared strings and the date styles.

Every part is checked against ``[excel].max_sheet_bytes`` before it is decompressed (zipfile stops at the size
the archive declares, so the declared size is a true bound), and no part may declare a document type: XML
entities, internal (billion laughs) or external, are refused before any is expanded.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.parsers import expat

from ..common.errors import RejectedFile

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DATE_CODES = re.compile(r"[dmyhs]")
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
# Built-in number formats that show a date or time (ECMA-376 part 1, 18.8.30).
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(45, 48)})


class WorkbookZip(zipfile.ZipFile):
    """The xlsx package, with the byte limit its XML parts are held to (``[excel].max_sheet_bytes``)."""

    def __init__(self, file, max_part_bytes: int):
        super().__init__(file)
        self.max_part_bytes = max_part_bytes


def check_is_xlsx(data: bytes) -> None:
    if not data:
        raise RejectedFile("The file is empty (0 bytes).")
    if data.startswith(OLE2_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise RejectedFile("The workbook is password-protected; save it without a password and send it "
                               "again.")
        raise RejectedFile("The file is an old-style .xls workbook; save it as .xlsx and send it again.")
    if not data.startswith(b"PK"):
        raise RejectedFile(f"The file is not an Excel .xlsx workbook (it looks like {_describe(data)}).")


def _describe(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "a PNG image"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown kind"
    return "plain text, such as CSV"


def refuse_doctype(parser) -> None:
    """A workbook's XML never declares a document type; one that does may define entities: refused."""
    def refuse(*_):
        raise RejectedFile("The workbook's XML declares a document type (DTD), which a real workbook never "
                           "does; XML entities are refused.")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse


def check_part_size(archive: zipfile.ZipFile, part: str, limit: int) -> None:
    size = archive.getinfo(part).file_size
    if size > limit:
        raise RejectedFile(f"The workbook part {part!r} is {size:,} bytes uncompressed, more than the "
                           f"{limit:,} an order list may have ([excel].max_sheet_bytes); it is too large or "
                           f"a zip bomb.")


def _parse_part(archive: WorkbookZip, part: str, start, end=None, text=None) -> None:
    check_part_size(archive, part, archive.max_part_bytes)
    parser = expat.ParserCreate()
    refuse_doctype(parser)
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    with archive.open(part) as stream:
        parser.ParseFile(stream)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def office_document_part(archive: WorkbookZip) -> str:
    if "_rels/.rels" not in archive.namelist():
        raise RejectedFile("The file is a zip archive but not an Excel workbook (no package relationships).")
    targets = _relation_targets(archive, "_rels/.rels", "")
    part = targets.get("officeDocument")
    if part is None or part not in archive.namelist():
        raise RejectedFile("The file is a zip archive but not an Excel workbook (no workbook part).")
    return part


def workbook_relations(archive: WorkbookZip, workbook_part: str) -> dict[str, str]:
    folder, name = posixpath.split(workbook_part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    return _relation_targets(archive, rels, folder) if rels in archive.namelist() else {}


def _relation_targets(archive: WorkbookZip, rels_part: str, folder: str) -> dict[str, str]:
    """Relationship type (last path segment) -> part; worksheets are keyed by relationship id instead."""
    targets: dict[str, str] = {}

    def start(name, attrs):
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs["Target"]
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            kind = attrs["Type"].rsplit("/", 1)[-1]
            targets["id:" + attrs["Id"] if kind == "worksheet" else kind] = part

    _parse_part(archive, rels_part, start)
    return targets


def sheet_list(archive: WorkbookZip, workbook_part: str, relations: dict[str, str],
               max_sheets: int = 1_000) -> tuple[dict[str, str], bool]:
    sheets: dict[str, str] = {}
    flags = {"date1904": False, "count": 0}

    def start(name, attrs):
        local = _local(name)
        if local == "sheet":
            flags["count"] += 1
            if flags["count"] > max_sheets:
                raise RejectedFile(f"The workbook has more than {max_sheets:,} sheets, the limit for an "
                                   f"order list ([excel].max_sheets).")
            relation = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            part = relations.get(f"id:{relation}")
            if part in archive.namelist():  # chart sheets and the like have no worksheet part
                sheets[attrs["name"]] = part
        elif local == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    _parse_part(archive, workbook_part, start)
    if not sheets:
        raise RejectedFile("The workbook has no worksheets.")
    return sheets, flags["date1904"]


def shared_strings(archive: WorkbookZip, part: str | None, max_strings: int = 50_000_000) -> list[str]:
    strings: list[str] = []
    if part is None or part not in archive.namelist():
        return strings
    state = {"text": None, "phonetic": 0, "item": []}

    def start(name, attrs):
        local = _local(name)
        if local == "si":
            state["item"] = []
            if len(strings) >= max_strings:
                raise RejectedFile(f"The workbook's shared strings table has more than {max_strings:,} "
                                   f"strings, more than the cells an order list may have "
                                   f"([excel].max_cells).")
        elif local == "rPh":  # phonetic guide text is not part of the cell's value
            state["phonetic"] += 1
        elif local == "t" and not state["phonetic"]:
            state["text"] = state["item"]

    def end(name):
        local = _local(name)
        if local == "si":
            strings.append(unescape("".join(state["item"])))
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "t":
            state["text"] = None

    def text(data):
        if state["text"] is not None:
            state["text"].append(data)

    _parse_part(archive, part, start, end, text)
    return strings


def date_styles(archive: WorkbookZip, part: str | None) -> frozenset[int]:
    """Indexes of the cell formats (the ``s`` attribute) whose number format shows a date or time."""
    if part is None or part not in archive.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    state = {"in_cell_xfs": False}

    def start(name, attrs):
        local = _local(name)
        if local == "numFmt":
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            state["in_cell_xfs"] = True
        elif local == "xf" and state["in_cell_xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name):
        if _local(name) == "cellXfs":
            state["in_cell_xfs"] = False

    _parse_part(archive, part, start, end)

    def is_date(format_id: int) -> bool:
        if format_id in custom:
            return bool(_DATE_CODES.search(_QUOTED_OR_BRACKETED.sub("", custom[format_id]).lower()))
        return format_id in _BUILTIN_DATE_FORMATS

    return frozenset(index for index, format_id in enumerate(formats) if is_date(format_id))


def unescape(text: str) -> str:
    """Excel stores control characters as ``_xHHHH_``; a UTF-16 surrogate pair written that way
    (``_xD83D__xDE00_``) is the one character it encodes. A lone surrogate stays, and rejects its row."""
    if "_x" not in text:
        return text
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _SURROGATE_PAIR.sub(_join_surrogates, text) if _SURROGATE.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _join_surrogates(match: re.Match) -> str:
    return match[0].encode("utf-16-le", "surrogatepass").decode("utf-16-le")

