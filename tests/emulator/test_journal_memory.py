"""The journal's memory in one process: what a call may hold, the byte bound, and clear giving
it back."""

import gc
import time
import tracemalloc

import pytest

from capillary_emulator.emulator.journal import BODY_LIMIT, Call, Journal, _Capture
from capillary_emulator.store.journal import JournalFilter

BIG_BODY = b'{"notes": "' + b"x" * 250_000 + b'"}'
BOUND = 1024 * 1024


def big_call(i: int) -> Call:
    body = _Capture()
    for start in range(0, len(BIG_BODY), 65_536):  # as a server delivers it, in chunks
        body.add(BIG_BODY[start : start + 65_536])
    answer = _Capture()
    answer.add(b'{"warnings": [], "errors": []}')
    return Call(
        started=time.time(),
        method="POST",
        path="/v2/points/transfer",
        query=f"call={i}".encode(),
        body=body,
        status=200,
        org_id=100458,
        answer=answer,
        duration_ms=1.0,
    )


class TestJournalMemory:
    def test_a_call_keeps_only_the_first_8_kib_of_its_body(self):
        call = big_call(0)
        assert len(call.body.data()) == BODY_LIMIT and call.body.total == len(BIG_BODY)

    @pytest.mark.parametrize("read_every", [50, None], ids=["read-while-recording", "never-read"])
    def test_entries_stay_within_the_byte_bound_and_clear_gives_the_memory_back(self, read_every):
        # Never read: the calls wait to be masked until a read, and are stored once their
        # captures pass the bound.
        journal = Journal(size=1000, max_bytes=BOUND)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(1000):
                journal.record(big_call(i))
                if read_every and i % read_every == read_every - 1:
                    journal.flush()
            journal.flush()
            held = tracemalloc.get_traced_memory()[0] - before
            peak = tracemalloc.get_traced_memory()[1] - before
            kept = journal.entries(JournalFilter(), limit=10_000)
            newest, kept_count, kept_bytes = kept[0].query, len(kept), sum(e.size for e in kept)
            del kept
            journal.clear()
            gc.collect()
            after_clear = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert newest == "call=999" and kept_count < 1000
        assert kept_bytes <= BOUND
        # 1,000 calls of 250 KB would be 250 MB kept whole.
        assert held < 2 * BOUND, held
        assert peak < 4 * BOUND, peak  # raw calls waiting, their entries being made, the kept ones
        assert after_clear < BOUND // 10, after_clear
        assert journal.count(JournalFilter()) == 0
