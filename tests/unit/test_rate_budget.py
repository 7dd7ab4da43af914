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


class CountingStore(MemoryBudgetStore):
    """A shared store that counts what the budgets ask of it."""

    def __init__(self):
        super().__init__()
        self.loads = 0
        self.refused = 0

    def load(self):
        self.loads += 1
        return super().load()

    def save(self, windows, version):
        saved = super().save(windows, version)
        self.refused += not saved
        return saved


def test_a_worker_alone_on_a_connection_takes_its_calls_without_reading_the_budget_each_time():
    # GIVEN a budget that has learnt the spike window from an answer
    clock = Clock()
    store = CountingStore()
    budget = RateBudget(store, now=clock)
    budget.observe(headers(25, 20, int(clock.now) + 9))
    loads = store.loads
    # WHEN it takes ten calls, each answered with the headers Procore would send
    for remaining in range(19, 9, -1):
        assert budget.take() == 0
        budget.observe(headers(25, remaining, int(clock.now) + 9))
    # THEN it read the store not once more: each take was one write on the version it knew
    assert store.loads == loads
    assert store._windows["spike"].remaining == 10


def test_a_worker_whose_copy_is_stale_reads_again_and_two_workers_never_spend_the_same_call():
    # GIVEN two workers of one connection, each having seen the window with 3 calls left
    clock = Clock()
    store = CountingStore()
    first, second = RateBudget(store, now=clock), RateBudget(store, now=clock)
    first.observe(headers(25, 3, int(clock.now) + 9))
    assert second.take() == 0  # the second reads the store: 2 left
    # WHEN they take turns until the window is spent
    assert first.take() == 0  # its copy (version before the second's take) is refused, then read again
    assert second.take() == 0
    # THEN exactly the 3 calls went, and the next take of either waits for the reset
    assert store.refused >= 1
    assert first.take() > 0 and second.take() > 0


def test_a_remembered_spent_window_is_checked_in_the_store_before_waiting():
    # GIVEN a worker that remembers a spent window, and another that has since learnt that
    # Procore no longer meters the connection (an answer without rate headers)
    clock = Clock()
    store = CountingStore()
    first, second = RateBudget(store, now=clock), RateBudget(store, now=clock)
    first.observe(headers(25, 0, int(clock.now) + 9))
    second.take()
    second.observe({"Content-Type": "application/json"})
    # WHEN the first wants a call THEN it does not wait on what it remembered
    assert first.take() == 0


def test_after_an_unmetered_answer_the_next_call_needs_no_read_but_a_fresh_budget_still_reads():
    clock = Clock()
    store = CountingStore()
    budget = RateBudget(store, now=clock)
    assert budget.take() == 0
    assert store.loads == 1  # knowing nothing, it asks the store
    budget.observe({"Content-Type": "application/json"})  # Procore: not metered
    assert [budget.take() for _ in range(3)] == [0, 0, 0]
    assert store.loads == 1
    budget.observe(headers(25, 20, int(clock.now) + 9))  # metered again: counted from now on
    assert budget.take() == 0
    assert store._windows["spike"].remaining == 19


def test_a_worker_among_busy_others_goes_back_to_reading_first_instead_of_being_refused_each_time():
    # GIVEN two workers of one connection taking turns, so each one's copy is always stale
    clock = Clock()
    store = CountingStore()
    first, second = RateBudget(store, now=clock), RateBudget(store, now=clock)
    first.observe(headers(3600, 3000, int(clock.now) + 9))
    second.take()
    # WHEN they take 20 calls each, alternately
    for _ in range(20):
        assert first.take() == 0
        assert second.take() == 0
    # THEN every call was taken once, and refused writes stayed few: after a refusal a worker
    # reads before it writes
    assert store._windows["spike"].remaining == 3000 - 41
    assert store.refused <= 6
