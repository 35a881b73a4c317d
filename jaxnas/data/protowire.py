"""A minimal protobuf wire-format decoder (no generated code, no protobuf dependency).

Only what the benchmark files need: varints (wire type 0), 64-bit (1), length-delimited (2)
and 32-bit (5) fields. Groups (3, 4) are rejected.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from jaxnas.data.errors import FormatError

VARINT, I64, LEN, I32 = 0, 1, 2, 5


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = 0
    shift = 0
    n = len(buf)
    while True:
        if i >= n:
            raise FormatError("truncated protobuf varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise FormatError("protobuf varint longer than 10 bytes")


def iter_fields(buf: bytes) -> Iterator[tuple[int, int, int | float | bytes]]:
    """Yields ``(field_number, wire_type, value)`` for each field of a message.

    Values: ``int`` for varints, ``float`` (little-endian double) for 64-bit fields,
    ``float`` (single) for 32-bit fields, ``bytes`` for length-delimited fields.

    Raises:
      FormatError: on truncation or an unsupported wire type.
    """
    i = 0
    n = len(buf)
    while i < n:
        key = buf[i]
        if key < 0x80:  # fast path: one-byte key (field numbers < 16)
            i += 1
        else:
            key, i = _varint(buf, i)
        field, wt = key >> 3, key & 7
        if field == 0:
            raise FormatError("protobuf field number 0")
        if wt == VARINT:
            v, i = _varint(buf, i)
            yield field, wt, v
        elif wt == I64:
            if i + 8 > n:
                raise FormatError(f"truncated protobuf 64-bit field {field}")
            yield field, wt, struct.unpack_from("<d", buf, i)[0]
            i += 8
        elif wt == LEN:
            length, i = _varint(buf, i)
            if i + length > n:
                raise FormatError(f"truncated protobuf length-delimited field {field}")
            yield field, wt, bytes(buf[i : i + length])
            i += length
        elif wt == I32:
            if i + 4 > n:
                raise FormatError(f"truncated protobuf 32-bit field {field}")
            yield field, wt, struct.unpack_from("<f", buf, i)[0]
            i += 4
        else:
            raise FormatError(f"unsupported protobuf wire type {wt} (field {field})")


def to_int32(v: int) -> int:
    """Interprets a decoded varint as a (two's complement) int32/int64."""
    return v - (1 << 64) if v >= 1 << 63 else v
