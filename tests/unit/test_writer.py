"""Writing only what changed, and marking deletions only after a complete listing."""

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


def test_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": {"c": 2}}) == content_hash({"b": {"c": 2}, "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_writer_writes_created_and_changed_records_only():
    same = {"id": 1, "name": "same"}
    records = FakeRecords({"project#1": (content_hash(same), False), "project#2": ("old", False)})
    writer = EntityWriter(records, pk="p", prefix="project#", entity="project")
    writer.write([("project#1", same, {}), ("project#2", {"id": 2}, {}), ("project#3", {"id": 3}, {})])
    assert [i["sk"] for i in records.puts] == ["project#2", "project#3"]
    assert writer.counts == {"created": 1, "updated": 1, "unchanged": 1, "deleted": 0}


def test_writer_marks_missing_records_deleted_only_at_finish():
    records = FakeRecords({"project#1": ("h", False), "project#9": ("h", False), "project#8": ("h", True)})
    writer = EntityWriter(records, pk="p", prefix="project#", entity="project")
    writer.write([("project#1", {"id": 1}, {})])
    assert records.deleted == []  # a listing in progress deletes nothing
    assert writer.finish() == ["project#9"]  # already-deleted 8 is not marked again
    assert records.deleted == ["project#9"]


def test_writer_rewrites_a_record_that_came_back_after_deletion():
    record = {"id": 5}
    records = FakeRecords({"vendor#5": (content_hash(record), True)})
    writer = EntityWriter(records, pk="p", prefix="vendor#", entity="vendor")
    writer.write([("vendor#5", record, {})])
    assert len(records.puts) == 1 and "deleted_at" not in records.puts[0]
