"""Ids for new rows: version 7 UUIDs, which sort by the millisecond they were made."""

from __future__ import annotations

import os
import time

# RFC 9562 §5.7: 48 bits of Unix milliseconds, the version (7), 12 random bits, the variant
# (0b10), 62 random bits.
_VERSION_AND_VARIANT = 0x7 << 76 | 0x2 << 62
_RANDOM_BITS_KEPT = ((1 << 80) - 1) & ~(0xF << 76 | 0x3 << 62)


def new_id() -> str:
    """A new version 7 UUID, in the 8-4-4-4-12 form Kibana's ids have."""
    # Kibana's saved objects get random (version 4) UUIDs. Time-ordered ones put each new
    # key at the end of an index instead of on a random page of it: a case's unique id, its
    # user actions', its tags' and its attachments' keys then cost one page per commit, not
    # one page each (on SQLite half the pages a batch of creates writes).
    random_bits = int.from_bytes(os.urandom(10), "big") & _RANDOM_BITS_KEPT
    value = time.time_ns() // 1_000_000 << 80 | _VERSION_AND_VARIANT | random_bits
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
