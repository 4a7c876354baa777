import time
import uuid

from opencases.db import new_id


def test_a_new_id_is_a_version_7_uuid_in_kibana_s_form() -> None:
    made = new_id()

    parsed = uuid.UUID(made)
    assert (str(parsed), parsed.version, parsed.variant) == (made, 7, uuid.RFC_4122)


def test_a_new_id_begins_with_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000

    assert before <= int(made.replace("-", "")[:12], 16) <= after


def test_new_ids_differ_in_their_random_bits() -> None:
    made = [new_id() for _ in range(1_000)]

    assert len(set(made)) == 1_000
    assert len({identifier[15:] for identifier in made}) == 1_000
