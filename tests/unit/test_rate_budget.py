"""One rate budget per connection, shared by its workers, driven by Procore's rate headers."""

import threading

from procore_sync.procore.rate_budget import MemoryBudgetStore, RateBudget


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def headers(limit, remaining, reset):
    return {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Reset": str(reset)}


def test_calls_stop_when_the_spike_window_is_spent_and_resume_after_its_reset():
    clock = Clock()
    budget = RateBudget(MemoryBudgetStore(), now=clock)
    assert budget.take() == 0  # nothing known yet: the first call goes
    budget.observe(headers(25, 22, int(clock.now) + 8))  # two other calls were made meanwhile
    assert [budget.take() for _ in range(22)] == [0] * 22
    wait = budget.take()
    assert 8 <= wait <= 8.3  # spent: wait for the reset (plus a little jitter)
    clock.now += 8
    assert budget.take() == 0  # a new window, counted from the limit again


def test_the_hourly_window_is_kept_beside_the_spike_window():
    clock = Clock()
    budget = RateBudget(MemoryBudgetStore(), now=clock)
    budget.observe(headers(25, 24, int(clock.now) + 10))
    budget.observe(headers(3600, 1, int(clock.now) + 1800))  # the hourly window is nearly spent
    assert budget.take() == 0
    assert budget.take() > 1000  # the spike window has room, the hourly one does not


def test_a_late_answer_never_gives_back_calls_already_taken():
    clock = Clock()
    budget = RateBudget(MemoryBudgetStore(), now=clock)
    budget.observe(headers(25, 5, int(clock.now) + 9))
    for _ in range(5):
        assert budget.take() == 0
    budget.observe(headers(25, 4, int(clock.now) + 9))  # an answer to one of those five calls
    assert budget.take() > 0


def test_concurrent_workers_never_take_more_than_the_window_holds():
    clock = Clock()
    store = MemoryBudgetStore()
    RateBudget(store, now=clock).observe(headers(25, 25, int(clock.now) + 10))
    taken = []
    lock = threading.Lock()

    def worker():
        budget = RateBudget(store, now=clock)
        for _ in range(10):
            if budget.take() == 0:
                with lock:
                    taken.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 25


def test_a_window_shorter_than_we_guessed_is_learnt_from_the_first_answer_in_it():
    clock = Clock()
    budget = RateBudget(MemoryBudgetStore(), now=clock)
    budget.observe(headers(10, 10, int(clock.now) + 2))
    assert [budget.take() for _ in range(10)] == [0] * 10
    clock.now += 2
    assert budget.take() == 0  # a new window, whose end we can only guess at (late)
    budget.observe(headers(10, 9, int(clock.now) + 2))  # Procore says when it really ends
    assert [budget.take() for _ in range(9)] == [0] * 9
    assert budget.take() <= 2.3  # so the wait is Procore's 2 s, not our 11 s guess


def test_answers_without_rate_headers_clear_the_budget():
    clock = Clock()
    budget = RateBudget(MemoryBudgetStore(), now=clock)
    budget.observe(headers(25, 0, int(clock.now) + 20))
    assert budget.take() > 0
    budget.observe({"Content-Type": "application/json"})  # Procore stopped metering us
    assert budget.take() == 0
