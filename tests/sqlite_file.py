"""Reading an SQLite database and its WAL as an attacker with the files would: page by page, cell
by cell, where each row's bytes lie (https://www.sqlite.org/fileformat2.html). For tests only."""

import struct
from dataclasses import dataclass

TABLE_LEAF, INDEX_LEAF = 0x0D, 0x0A


@dataclass(frozen=True)
class Cell:
    source: str  # the file, and for a WAL the frame: "brugerstemmen.sqlite3-wal#17"
    frame: int  # the WAL frame's number (commit order); -1 for a database file
    page: int
    offset: int  # where the cell's bytes start in its page
    values: tuple  # the record's columns, as far as the page holds them


def database_cells(path):
    data = path.read_bytes()
    if len(data) < 100:
        return []
    page_size = _page_size(struct.unpack_from(">H", data, 16)[0])
    usable = page_size - data[20]
    return [cell for number in range(1, len(data) // page_size + 1)
            for cell in _leaf_cells(data[(number - 1) * page_size:number * page_size], number, usable, str(path.name), -1)]


def wal_cells(path, usable_reserve=0):
    """Every cell of every frame, stale frames included: an attacker reads them all."""
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 32:
        return []
    page_size = _page_size(struct.unpack_from(">I", data, 8)[0])
    found = []
    for frame, start in enumerate(range(32, len(data) - page_size - 24 + 1, page_size + 24)):
        number = struct.unpack_from(">I", data, start)[0]
        page = data[start + 24:start + 24 + page_size]
        found += _leaf_cells(page, number, page_size - usable_reserve, f"{path.name}#{frame}", frame)
    return found


def _page_size(value):
    return 65536 if value == 1 else value


def _leaf_cells(page, number, usable, source, frame):
    header = 100 if number == 1 else 0
    if len(page) <= header or page[header] not in (TABLE_LEAF, INDEX_LEAF):
        return []
    kind = page[header]
    count = struct.unpack_from(">H", page, header + 3)[0]
    cells = []
    for index in range(count):
        try:
            offset = struct.unpack_from(">H", page, header + 8 + 2 * index)[0]
            size, at = _varint(page, offset)
            if kind == TABLE_LEAF:
                _rowid, at = _varint(page, at)
            local = _local_size(size, usable, kind)
            cells.append(Cell(source, frame, number, offset, tuple(_record(page, at, min(at + local, len(page))))))
        except (IndexError, struct.error, UnicodeDecodeError):
            continue  # a stale or torn page: nothing to read in it
    return cells


def _local_size(size, usable, kind):
    most = usable - 35 if kind == TABLE_LEAF else (usable - 12) * 64 // 255 - 23
    if size <= most:
        return size
    least = (usable - 12) * 32 // 255 - 23
    spill = least + (size - least) % (usable - 4)
    return spill if spill <= most else least


def _record(page, at, end):
    header_size, position = _varint(page, at)
    types = []
    while position < at + header_size:
        serial, position = _varint(page, position)
        types.append(serial)
    values, body = [], at + header_size
    for serial in types:
        length = _serial_length(serial)
        if body + length > end:
            break
        raw = page[body:body + length]
        values.append(raw.decode() if serial >= 13 and serial % 2 else raw)
        body += length
    return values


def _serial_length(serial):
    if serial >= 12:
        return (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0)[serial]


def _varint(data, at):
    value = 0
    for index in range(8):
        byte = data[at + index]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + index + 1
    return (value << 8) | data[at + 8], at + 9
