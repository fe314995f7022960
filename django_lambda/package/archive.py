"""The deterministic zip: the same files give the same bytes, and the same ``CodeSha256``.

Entries are sorted, with a fixed timestamp, fixed modes and fixed compression.
The zip is written here rather than with zipfile so that every byte is fixed by
this code (no Python-version differences in header fields), and so that
entries deflated once (the installed requirements) are copied into later zips
as they are. Format: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import struct
import zipfile
import zlib
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django_lambda.package.rules import BuildError

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_COMPRESSLEVEL = 6
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755

# The comment of every zip the build writes: how a later build recognizes its
# own output in the project (`--build-only out.zip`) and leaves it out.
ZIP_COMMENT = b"django-lambda package"

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_END64_LOCATOR = struct.Struct("<IIQI")
_VERSION = 20  # 2.0: deflate
_VERSION64 = 45  # 4.5: zip64 end records
_UNIX = 3
_DEFLATE = 8
_UTF8_NAME = 0x800
_DOS_TIME = 0
_DOS_DATE = ((ZIP_DATE_TIME[0] - 1980) << 9) | (ZIP_DATE_TIME[1] << 5) | ZIP_DATE_TIME[2]


def code_sha256(package: Path | bytes) -> str:
    """A package's SHA-256 (its file, or its bytes) in the form Lambda reports as
    ``CodeSha256``: base64 of the digest."""
    digest = hashlib.sha256()
    if isinstance(package, bytes):
        digest.update(package)
    else:
        with package.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def sha256_hex(code_sha256: str) -> str:
    """A ``CodeSha256`` in hex, as names of files and objects carry it."""
    return base64.b64decode(code_sha256).hex()


def file_mode(path: Path) -> int:
    """The mode ``path`` has in the zip: executable or not, nothing else."""
    return EXECUTABLE_MODE if path.stat().st_mode & 0o111 else FILE_MODE


@dataclass(frozen=True)
class Deflated:
    """An entry of the requirements cache zip: where its deflated bytes are and what they hold."""

    offset: int
    compressed_size: int
    crc: int
    size: int
    mode: int


class ZipWriter:
    """Writes deflated entries with fixed timestamps and modes, in the order given."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.central: list[bytes] = []

    def add(self, name: str, *, data: bytes, mode: int) -> None:
        compressor = zlib.compressobj(ZIP_COMPRESSLEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        compressed = compressor.compress(data) + compressor.flush()
        self.add_deflated(name, compressed, crc=zlib.crc32(data), size=len(data), mode=mode)

    def add_deflated(self, name: str, compressed: bytes, *, crc: int, size: int, mode: int) -> None:
        if max(size, len(compressed), self.stream.tell()) >= 0xFFFFFFFF:
            raise BuildError(f"{name} is too large for a Lambda package.")
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8_NAME
        offset = self.stream.tell()
        sizes = (_DEFLATE, _DOS_TIME, _DOS_DATE, crc, len(compressed), size, len(encoded))
        self.stream.write(_LOCAL_HEADER.pack(0x04034B50, _VERSION, flags, *sizes, 0))
        self.stream.write(encoded)
        self.stream.write(compressed)
        attributes = (stat.S_IFREG | mode) << 16
        self.central.append(
            _CENTRAL_HEADER.pack(
                0x02014B50,
                (_UNIX << 8) | _VERSION,
                _VERSION,
                flags,
                *sizes,
                0,
                0,
                0,
                0,
                attributes,
                offset,
            )
            + encoded
        )

    def close(self) -> None:
        start = self.stream.tell()
        for header in self.central:
            self.stream.write(header)
        size = self.stream.tell() - start
        count = len(self.central)
        if count >= 0xFFFF:
            # More entries than the classic end record can count: add the
            # zip64 end record and its locator, and mark the classic one.
            end64 = self.stream.tell()
            self.stream.write(
                _END64.pack(
                    0x06064B50,
                    _END64.size - 12,
                    (_UNIX << 8) | _VERSION64,
                    _VERSION64,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
            )
            self.stream.write(_END64_LOCATOR.pack(0x07064B50, 0, end64, 1))
            count = 0xFFFF
        self.stream.write(_END.pack(0x06054B50, 0, 0, count, count, size, start, len(ZIP_COMMENT)))
        self.stream.write(ZIP_COMMENT)


def write_zip(
    files: dict[str, Path],
    zip_path: Path,
    *,
    cached: dict[str, Deflated],
    cache_zip: Path | None,
) -> None:
    """Zip ``files`` sorted by name, without directory entries; copy ``cached`` ones as they are."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with (
        partial.open("wb") as stream,
        cache_zip.open("rb") if cache_zip else nullcontext() as cache,
    ):
        writer = ZipWriter(stream)
        for name in sorted(files):
            entry = cached.get(name)
            if entry is not None and cache is not None:
                cache.seek(entry.offset)
                writer.add_deflated(
                    name,
                    cache.read(entry.compressed_size),
                    crc=entry.crc,
                    size=entry.size,
                    mode=entry.mode,
                )
            else:
                path = files[name]
                writer.add(name, data=path.read_bytes(), mode=file_mode(path))
        writer.close()
    os.replace(partial, zip_path)


def read_deflated(cache_zip: Path) -> dict[str, Deflated]:
    """Where each entry's deflated bytes are in a zip that ``ZipWriter`` wrote."""
    entries = {}
    try:
        with zipfile.ZipFile(cache_zip) as archive, cache_zip.open("rb") as raw:
            for info in archive.infolist():
                raw.seek(info.header_offset)
                header = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
                if header[0] != 0x04034B50 or info.compress_type != zipfile.ZIP_DEFLATED:
                    raise zipfile.BadZipFile(f"unexpected entry {info.filename}")
                entries[info.filename] = Deflated(
                    offset=info.header_offset + _LOCAL_HEADER.size + header[-2] + header[-1],
                    compressed_size=info.compress_size,
                    crc=info.CRC,
                    size=info.file_size,
                    mode=stat.S_IMODE(info.external_attr >> 16),
                )
    except (zipfile.BadZipFile, struct.error) as error:
        raise BuildError(
            f"The requirements cache {cache_zip} is damaged ({error}). Delete "
            f"{cache_zip.parent} and build again."
        ) from None
    return entries


def is_build_output(path: Path) -> bool:
    """Whether ``path`` is a zip the build wrote: its end record carries ``ZIP_COMMENT``."""
    if not path.name.lower().endswith(".zip"):
        return False
    tail = _END.size + len(ZIP_COMMENT)
    try:
        with path.open("rb") as stream:
            stream.seek(-tail, os.SEEK_END)
            data = stream.read(tail)
    except OSError:  # shorter than an end record, or unreadable
        return False
    return data[:4] == b"PK\x05\x06" and data[_END.size :] == ZIP_COMMENT
