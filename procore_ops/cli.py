"""`procore-ops`: list connections, show one, sync or disconnect a user, replay dead letters.

    procore-ops --local list                           # the stack `make local` runs (.local/stack.json)
    procore-ops --stack palcode-procore-dev --profile ops --region us-east-1 show USER_ID
    procore-ops --stack palcode-procore-dev sync USER_ID
    procore-ops --stack palcode-procore-dev disconnect USER_ID [--purge]
    procore-ops --stack palcode-procore-dev dead-letters
    procore-ops --stack palcode-procore-dev replay [--max 100]

`list`, `show` and `dead-letters` only read (never the token attributes). `sync` and
`disconnect` invoke the deployed functions, which do exactly what the user's own "Sync now" and
"Disconnect" do. `replay` sends dead-lettered jobs back to the sync queue after a fix; each runs
again once.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from procore_ops.target import LOCAL_STACK_FILE, Target, TargetError, aws_target, local_target


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="procore-ops", description=__doc__.split("\n", 1)[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="the local stack that `make local` runs")
    parser.add_argument("--local-file", type=Path, default=LOCAL_STACK_FILE, metavar="STACK_FILE",
                        help="with --local: the file `make local` writes (default .local/stack.json)")
    where.add_argument("--stack", help="the CloudFormation stack name on AWS (e.g. palcode-procore-dev)")
    parser.add_argument("--profile", help="AWS profile (with --stack)")
    parser.add_argument("--region", help="AWS region (with --stack)")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of a table")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", parents=[output], help="every connection with its status")
    show = commands.add_parser("show", parents=[output], help="one user's connection, companies and last sync")
    show.add_argument("user_id", type=_user_id)
    sync = commands.add_parser("sync", parents=[output], help="queue a sync run for one user now")
    sync.add_argument("user_id", type=_user_id)
    disconnect = commands.add_parser("disconnect", parents=[output],
                                     help="revoke at Procore, delete our tokens, stop syncing")
    disconnect.add_argument("user_id", type=_user_id)
    disconnect.add_argument("--purge", action="store_true", help="also delete the user's synced records")
    commands.add_parser("dead-letters", parents=[output],
                        help="the jobs in the dead-letter queue, with why each failed")
    replay = commands.add_parser("replay", parents=[output], help="send dead-lettered jobs back to the sync queue")
    replay.add_argument("--max", type=_positive, default=100, help="at most this many jobs (default 100)")
    return parser


def _user_id(value: str) -> str:
    if not value or len(value) > 200:
        raise argparse.ArgumentTypeError("a Palcode.ai user id: 1 to 200 characters")
    return value


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


@dataclass
class _Repositories:
    """What procore_sync.status reads: the connections and sync-state tables."""

    connections: Any
    sync_state: Any


def _repositories(target: Target) -> _Repositories:
    from procore_sync.storage.connections import ConnectionRepository
    from procore_sync.storage.sync_state import SyncStateRepository

    return _Repositories(
        ConnectionRepository(target.name("ConnectionsTable")),
        SyncStateRepository(target.name("SyncStateTable")),
    )


def list_connections(target: Target) -> list[dict[str, Any]]:
    from procore_sync.status import json_ready

    rows = []
    for item in _repositories(target).connections.iter_all():
        companies = item.get("companies") or {}
        rows.append(json_ready({
            "user_id": item["user_id"],
            "status": item.get("status"),
            "reason": item.get("reason"),
            "procore_login": (item.get("procore_user") or {}).get("login"),
            "companies": len(companies),
            "selected": sum(1 for c in companies.values() if c.get("selected", True)),
            "connected_at": item.get("connected_at"),
        }))
    return sorted(rows, key=lambda row: row["user_id"])


def show_connection(target: Target, user_id: str) -> dict[str, Any]:
    from procore_sync.status import connection_status

    return connection_status(_repositories(target), user_id)  # type: ignore[arg-type]


def disconnect_user(target: Target, user_id: str, *, purge: bool) -> dict[str, Any]:
    return _invoke(target, "DisconnectFunction", {"user_id": user_id, "purge": purge})


def sync_user(target: Target, user_id: str) -> dict[str, Any]:
    return _invoke(target, "SyncDispatcherFunction", {"user_id": user_id})


def _invoke(target: Target, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
    import boto3

    answer = boto3.session.Session().client("lambda").invoke(
        FunctionName=target.name(logical_id), Payload=json.dumps(event).encode()
    )
    result = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise TargetError(f"{logical_id} failed: {result}")
    if not isinstance(result, dict) or "error" in result:
        raise TargetError(f"{logical_id} refused: {result}")
    return result


def _dead_letters(target: Target, *, limit: int, visibility: int) -> list[tuple[dict[str, Any], Any]]:
    """Up to `limit` dead letters, hidden from other readers for `visibility` seconds."""
    import boto3

    from procore_sync.sync.jobs import SyncJob

    sqs = boto3.session.Session().client("sqs")
    found: list[tuple[dict[str, Any], Any]] = []
    while len(found) < limit:
        answer = sqs.receive_message(QueueUrl=target.name("SyncDeadLetterQueue"), WaitTimeSeconds=1,
                                     MaxNumberOfMessages=min(10, limit - len(found)), VisibilityTimeout=visibility)
        messages = answer.get("Messages") or []
        if not messages:
            break
        for message in messages:
            try:
                job: Any = SyncJob.model_validate_json(message["Body"])
            except ValueError:
                job = None
            found.append((message, job))
    return found


def list_dead_letters(target: Target) -> list[dict[str, Any]]:
    from procore_sync.status import json_ready

    import boto3

    repositories = _repositories(target)
    letters = _dead_letters(target, limit=1000, visibility=30)
    sqs = boto3.session.Session().client("sqs")
    for message, _ in letters:  # only looked at: visible again at once for a replay
        sqs.change_message_visibility(QueueUrl=target.name("SyncDeadLetterQueue"),
                                      ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    rows = []
    for message, job in letters:
        if job is None:
            rows.append({"message_id": message["MessageId"], "job": None, "error": "not a sync job"})
            continue
        item = repositories.sync_state.job(job.user_id, job.run_id, job.job_id) or {}
        rows.append(json_ready({"message_id": message["MessageId"], "user_id": job.user_id,
                                "sync_run_id": job.run_id, "job": job.job_id, "state": item.get("state"),
                                "error": item.get("error"), "attempts": item.get("attempts")}))
    return rows


def replay_dead_letters(target: Target, *, most: int) -> dict[str, Any]:
    import boto3

    from procore_sync import clock

    sqs = boto3.session.Session().client("sqs")
    replayed, unreadable = [], 0
    for message, job in _dead_letters(target, limit=most, visibility=60):
        if job is None:  # left in the dead-letter queue for a person to look at, visible at once
            unreadable += 1
            sqs.change_message_visibility(QueueUrl=target.name("SyncDeadLetterQueue"),
                                          ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            continue
        again = job.model_copy(update={"replayed_at": clock.iso()})
        sqs.send_message(QueueUrl=target.name("SyncQueue"), MessageBody=again.model_dump_json())
        sqs.delete_message(QueueUrl=target.name("SyncDeadLetterQueue"), ReceiptHandle=message["ReceiptHandle"])
        replayed.append(job.job_id)
    return {"replayed": len(replayed), "jobs": replayed, "left_unreadable": unreadable}


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _print_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    widths = {c: max([len(c), *(len(_text(r.get(c))) for r in rows)]) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(_text(row.get(c)).ljust(widths[c]) for c in columns))


def _print_status(status: dict[str, Any]) -> None:
    if status.get("reason") == "no_connection":
        print("no Procore connection for this user id (never connected)")
        return
    user = status.get("procore_user") or {}
    print(f"status        {status['status']}" + (f" ({status['reason']})" if status.get("reason") else ""))
    print(f"procore user  {user.get('name') or '-'} <{user.get('login') or '-'}>")
    print(f"connected at  {status.get('connected_at') or '-'}")
    last = status.get("last_sync")
    if last:
        print(f"last sync     {last['run_id']} ({last.get('trigger')}): {last['state']}, "
              f"started {last.get('started_at')}, finished {last.get('finished_at') or '-'}")
    rows = []
    for company in status.get("companies", []):
        run = company.get("last_sync") or {}
        counts = run.get("counts") or {}
        rows.append({
            "company": company["id"], "name": company.get("name"), "selected": company.get("selected"),
            "installed": company.get("app_installed"), "next install check": company.get("next_install_check_at"),
            "last sync": run.get("state"),
            **{entity: sum((counts.get(entity) or {}).get(k, 0) for k in ("created", "updated", "unchanged"))
               for entity in ("projects", "bid_packages", "bids", "vendors")},
            "errors": "; ".join(e["error"] for e in run.get("errors", [])),
        })
    if rows:
        print()
        _print_table(rows, tuple(rows[0]))


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `procore-ops show ... | head`
        sys.stderr.close()
        return 0


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.local:
            target = local_target(args.local_file)
        else:
            target = aws_target(args.stack, profile=args.profile, region=args.region)
        from procore_sync import aws

        aws.reset_clients()  # the target may have changed where AWS clients point
        if args.command == "list":
            result: Any = list_connections(target)
        elif args.command == "show":
            result = show_connection(target, args.user_id)
        elif args.command == "sync":
            result = sync_user(target, args.user_id)
        elif args.command == "dead-letters":
            result = list_dead_letters(target)
        elif args.command == "replay":
            result = replay_dead_letters(target, most=args.max)
        else:
            result = disconnect_user(target, args.user_id, purge=args.purge)
    except TargetError as exc:
        print(f"procore-ops: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"procore-ops: AWS call failed: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif args.command == "list":
        _print_table(result, ("user_id", "status", "reason", "procore_login", "selected", "companies",
                              "connected_at"))
    elif args.command == "show":
        _print_status(result)
    elif args.command == "sync":
        if result["queued"]:
            print(f"{result['user_id']}: sync run {result['sync_run_id']} queued")
        else:
            print(f"{result['user_id']}: nothing queued ({result['reason']}"
                  + (f", run {result['sync_run_id']}" if result.get("sync_run_id") else "") + ")")
    elif args.command == "dead-letters":
        _print_table(result, ("message_id", "user_id", "job", "state", "attempts", "error"))
    elif args.command == "replay":
        print(f"replayed {result['replayed']} job(s) to the sync queue"
              + (f"; {result['left_unreadable']} unreadable message(s) left" if result["left_unreadable"] else ""))
    elif not result["was_connected"]:
        print(f"{result['user_id']}: had no Procore connection (records purged: {result['purged_records']})")
    else:
        print(f"{result['user_id']}: disconnected (revoked at Procore: {result['revoked']}, "
              f"records purged: {result['purged_records']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
