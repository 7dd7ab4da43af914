"""Writing only what changed, keeping bad records out without losing their page, and marking
deletions only after a complete listing."""

from procore_sync.sync.writer import EntityWriter, content_hash


class FakeRecords:
    def __init__(self, stored=None):
        self.stored = dict(stored or {})
        self.puts = []
        self.deleted = []

    def fingerprints(self, pk, prefix):
        return {sk: v for sk, v in self.stored.items() if sk.startswith(prefix)}

    def put_many(self, items):
        self.puts.extend(items)
        return len(items)

    def mark_deleted(self, pk, sks, deleted_at):
        self.deleted.extend(sks)
        return len(sks)


def writer_for(records, entity="project"):
    if entity == "bid":
        return EntityWriter(records, pk="p", prefix="bid#7#", entity="bid",
                            key=lambda b: (f"bid#7#{b['bid_package_id']}#{b['id']}", {}))
    return EntityWriter(records, pk="p", prefix=f"{entity}#", entity=entity,
                        key=lambda r: (f"{entity}#{r['id']}", {}))


def test_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": {"c": 2}}) == content_hash({"b": {"c": 2}, "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_writer_writes_created_and_changed_records_only():
    same = {"id": 1, "name": "same"}
    records = FakeRecords({"project#1": (content_hash(same), False), "project#2": ("old", False)})
    writer = writer_for(records)
    writer.write([same, {"id": 2}, {"id": 3}])
    assert [i["sk"] for i in records.puts] == ["project#2", "project#3"]
    assert writer.counts == {"created": 1, "updated": 1, "unchanged": 1, "deleted": 0, "invalid": 0}


def test_writer_marks_missing_records_deleted_only_at_finish():
    records = FakeRecords({"project#1": ("h", False), "project#9": ("h", False), "project#8": ("h", True)})
    writer = writer_for(records)
    writer.write([{"id": 1}])
    assert records.deleted == []  # a listing in progress deletes nothing
    assert writer.finish() == ["project#9"]  # already-deleted 8 is not marked again
    assert records.deleted == ["project#9"]


def test_writer_rewrites_a_record_that_came_back_after_deletion():
    record = {"id": 5}
    records = FakeRecords({"vendor#5": (content_hash(record), True)})
    writer = writer_for(records, "vendor")
    writer.write([record])
    assert len(records.puts) == 1 and "deleted_at" not in records.puts[0]


def test_an_invalid_record_is_reported_its_page_still_lands_and_our_copy_is_kept():
    # GIVEN a stored bid 11, and a page where bid 11 comes back without its bid package id,
    # one bid has a text amount and one item has no id at all
    good = {"id": 10, "bid_package_id": 3, "lump_sum_amount": "1250.50"}
    records = FakeRecords({"bid#7#3#11": ("h", False)})
    writer = writer_for(records, "bid")
    page = [good, {"id": 11, "bid_package_id": None},
            {"id": 12, "bid_package_id": 3, "lump_sum_amount": "a lot"}, {"name": "no id"}]

    # WHEN the page is written and the listing finishes
    result = writer.write(page)
    gone = writer.finish()

    # THEN the valid bid is written, the three others are reported by field, without values,
    # and bid 11 is neither overwritten nor taken for deleted
    assert [i["sk"] for i in records.puts] == ["bid#7#3#10"]
    assert writer.counts["created"] == 1 and writer.counts["invalid"] == 3
    problems = {i["procore_id"]: i["problem"] for i in result.invalid}
    assert set(problems) == {11, 12, None}
    assert problems[11].startswith("bid_package_id:") and problems[12].startswith("lump_sum_amount:")
    assert "a lot" not in str(result.invalid)
    assert gone == [] and records.deleted == []


def test_a_listing_read_again_writes_only_what_changed_since_the_first_read():
    # GIVEN a listing read once: two records created
    records = FakeRecords()
    writer = writer_for(records)
    writer.write([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])

    # WHEN it is read again (it shifted while paged) with one record changed meanwhile
    writer.write([{"id": 1, "name": "a"}, {"id": 2, "name": "b2"}])

    # THEN only the changed record is written again, and nothing is counted twice as unchanged
    assert [i["sk"] for i in records.puts] == ["project#1", "project#2", "project#2"]
    assert writer.counts == {"created": 2, "updated": 1, "unchanged": 0, "deleted": 0, "invalid": 0}


def test_a_page_given_as_a_stream_is_written_25_at_a_time_as_it_comes():
    # GIVEN a page of 60 new records that arrives as a stream
    pulled = []

    def stream():
        for i in range(1, 61):
            pulled.append(i)
            yield {"id": i}

    batches = []

    class Batches(FakeRecords):
        def put_many(self, items):
            batches.append((len(items), len(pulled)))  # the batch, and how much of the page had come
            return super().put_many(items)

    records = Batches()
    guards = []
    writer = EntityWriter(records, pk="p", prefix="project#", entity="project",
                          key=lambda r: (f"project#{r['id']}", {}), guard=lambda: guards.append(len(pulled)))

    # WHEN it is written
    result = writer.write(stream())

    # THEN each batch of 25 is written once it is full, before the rest of the page is read,
    # the guard ran once, before the first write, and the page's keys and counts are whole
    assert batches == [(25, 25), (25, 50), (10, 60)]
    assert guards == [25]
    assert result.keys == [f"project#{i}" for i in range(1, 61)] and result.counts["created"] == 60


def test_the_guard_runs_once_a_page_that_writes_and_not_for_a_page_that_does_not():
    same = {"id": 1}
    records = FakeRecords({"project#1": (content_hash(same), False)})
    guards = []
    writer = EntityWriter(records, pk="p", prefix="project#", entity="project",
                          key=lambda r: (f"project#{r['id']}", {}), guard=lambda: guards.append(1))
    writer.write(iter([same]))  # unchanged: nothing to write, no guard
    writer.write({"id": i} for i in range(2, 80))
    writer.write({"id": i} for i in range(80, 90))
    assert len(guards) == 2 and len(records.puts) == 88


def test_a_page_that_breaks_off_keeps_its_written_batches_and_they_are_not_written_again():
    # GIVEN a page whose stream breaks after 30 records
    def broken():
        yield from ({"id": i} for i in range(1, 31))
        raise ConnectionError("cut")

    records = FakeRecords()
    writer = writer_for(records)
    try:
        writer.write(broken())
    except ConnectionError:
        pass

    # THEN the full batch was written, the 5 that had not filled one were not
    assert [i["sk"] for i in records.puts] == [f"project#{i}" for i in range(1, 26)]

    # AND the page read again writes only what had not landed
    writer.write({"id": i} for i in range(1, 31))
    assert [i["sk"] for i in records.puts[25:]] == [f"project#{i}" for i in range(26, 31)]
