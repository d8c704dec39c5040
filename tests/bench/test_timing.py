"""bench.timing.repeat: what is timed, and what follows each run untimed."""

import time

from bench.timing import repeat


def test_after_follows_every_call_untimed_and_its_answer_is_kept():
    calls, settled = iter(range(10)), []

    def after(result):
        settled.append(result)
        time.sleep(0.05)  # undoing a run is not part of its time
        return ("checked", result)

    timing = repeat(lambda: next(calls), runs=3, after=after)
    assert settled == [0, 1, 2, 3]  # the warm-up too
    assert timing.result == ("checked", 3)
    assert len(timing.samples) == 3 and max(timing.samples) < 0.05


def test_without_after_the_last_result_is_kept():
    calls = iter(range(10))
    timing = repeat(lambda: next(calls), runs=2)
    assert timing.result == 2 and len(timing.samples) == 2
