"""What a scanned file is: its type by its first bytes, its content hash, and whether the
scanner is done writing it.

None of this decodes a page: the type says which reader takes the file (`pdf` or
`images`), the hash names the file in the store (a file scanned twice adds nothing),
and `looks_complete` keeps the watch folder from reading a file the scanner is still
writing.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

from postbakke.errors import InputFileError, UnsupportedFileError

# Magic bytes. A PDF may have a few bytes of junk before its header; readers
# (Acrobat, pdfminer) accept it within the first 1024 bytes.
PDF_HEADER = b"%PDF-"
PDF_HEADER_WINDOW = 1024
PDF_EOF_MARKER = b"%%EOF"
PDF_EOF_WINDOW = 2048  # writers may add a newline or a little padding after %%EOF
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
)

FILE_EMPTY = "filen er tom"
FILE_UNKNOWN = "ukendt filtype"
FILE_NOT_PDF = "filen hedder .pdf, men er ikke en PDF-fil"


def not_a_scan_reason(path: Path) -> str:
    """Why a file in the watch folder or named to `scan` is not read, in Danish."""
    suffix = path.suffix.lower()
    return f"ikke en scanning: {suffix}-fil" if suffix else "ikke en scanning: fil uden filtype"

def sniff_type(path: Path | str) -> str:
    """The file's type by its first bytes: "pdf", "tiff", "png" or "jpeg".

    The name's suffix is not trusted (a PNG named .pdf is read as a PNG); a file
    that is none of them raises `UnsupportedFileError`.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(PDF_HEADER_WINDOW)
    if not head:
        raise InputFileError(path.name, FILE_EMPTY)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if PDF_HEADER in head:
        return "pdf"
    if path.suffix.lower() == ".pdf":
        raise UnsupportedFileError(path.name, FILE_NOT_PDF)
    raise UnsupportedFileError(path.name, FILE_UNKNOWN)


def content_hash(path: Path | str) -> str:
    """SHA-256 of the file's bytes as hex, read in chunks (scans can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# How many IFDs (pages) of a TIFF are followed before it is taken as it is: far above
# max_pages, so only a file whose chain of pages loops back on itself stops here.
_TIFF_MAX_IFDS = 10_000
PNG_END = b"IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"
_TAIL_BYTES = 64


def looks_complete(path: Path | str) -> bool:
    """Whether a scanner seems done writing the file: decodable to its last page.

    The watch folder asks this before it hands a settled file over: a scanner that
    pauses longer than the settle time between the pages of a multi-page TIFF
    leaves a file that reads, but short. A PDF needs its final %%EOF, a PNG its
    IEND chunk, a JPEG its end marker, a TIFF every page's directory inside the
    file and its last page decodable. A file of no known type is "complete": the
    reader sets it aside with its reason.
    """
    path = Path(path)
    try:
        kind = sniff_type(path)
        size = path.stat().st_size
        with path.open("rb") as handle:
            handle.seek(max(0, size - PDF_EOF_WINDOW))
            tail = handle.read()
    except InputFileError:
        return True
    if kind == "pdf":
        return PDF_EOF_MARKER in tail
    if kind == "png":
        return PNG_END in tail[-_TAIL_BYTES:]
    if kind == "jpeg":
        return JPEG_END in tail[-_TAIL_BYTES:]
    return _tiff_complete(path, size)


_TIFF_TYPE_SIZES = {3: 2, 4: 4, 16: 8}  # SHORT, LONG, LONG8: the types offsets come in
_TIFF_DATA_TAGS = ((273, 279), (324, 325))  # (Strip|Tile)Offsets, (Strip|Tile)ByteCounts


def _tiff_complete(path: Path, size: int) -> bool:
    """Every page directory and every page's image data lie inside the file."""
    with path.open("rb") as handle:
        head = handle.read(16)
        endian: Any = "little" if head[:2] == b"II" else "big"
        big = int.from_bytes(head[2:4], endian) == 43
        offset_size, count_size, entry_size = (8, 8, 20) if big else (4, 2, 12)
        offset = int.from_bytes(head[8:16] if big else head[4:8], endian)
        seen: set[int] = set()

        def number(raw: bytes) -> int:
            return int.from_bytes(raw, endian)

        def values(entry: bytes) -> list[int]:
            kind, count = number(entry[2:4]), number(entry[4:4 + (8 if big else 4)])
            width = _TIFF_TYPE_SIZES.get(kind)
            if width is None or count > 1_000_000:
                return []
            raw = entry[(12 if big else 8):]
            if width * count > offset_size:
                handle.seek(number(raw))
                raw = handle.read(width * count)
                if len(raw) < width * count:
                    return [size + 1]  # the list itself lies past the end
            return [number(raw[i * width:(i + 1) * width]) for i in range(count)]

        while offset:
            if offset in seen or len(seen) > _TIFF_MAX_IFDS:
                return True  # a loop: the reader will say what is wrong
            seen.add(offset)
            if offset + count_size > size:
                return False
            handle.seek(offset)
            count = number(handle.read(count_size))
            end = offset + count_size + count * entry_size + offset_size
            if end > size:
                return False
            entries = {}
            for _ in range(count):
                entry = handle.read(entry_size)
                entries[number(entry[:2])] = entry
            after = handle.tell()
            for offsets_tag, counts_tag in _TIFF_DATA_TAGS:
                if offsets_tag in entries and counts_tag in entries:
                    starts, lengths = values(entries[offsets_tag]), values(entries[counts_tag])
                    if any(a + b > size for a, b in zip(starts, lengths, strict=False)):
                        return False
            handle.seek(after)
            offset = number(handle.read(offset_size))
    from PIL import Image  # here: the watcher and the CLI's other commands import this module

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                image.seek(getattr(image, "n_frames", 1) - 1)
                image.load()
    except Image.DecompressionBombError:
        return True  # complete, but too large: the reader says so
    except (OSError, ValueError, SyntaxError, EOFError):
        return False
    return True
