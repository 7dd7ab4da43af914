"""`procore-ops`: list connections, show one user's connection, disconnect a user.

    procore-ops --local list                           # the stack `make local` runs (.local/stack.json)
    procore-ops --stack palcode-procore-dev --profile ops --region us-east-1 show USER_ID
    procore-ops --stack palcode-procore-dev disconnect USER_ID [--purge]

`list` and `show` read the connections and sync-state tables (never the token attributes).
`disconnect` invokes the deployed disconnect function, which revokes at Procore, deletes our
tokens and stops syncing, exactly as the user's own Disconnect does.
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
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every connection with its status")
    show = commands.add_parser("show", help="one user's connection, companies and last sync")
    show.add_argument("user_id")
    disconnect = commands.add_parser("disconnect", help="revoke at Procore, delete our tokens, stop syncing")
    disconnect.add_argument("user_id")
    disconnect.add_argument("--purge", action="store_true", help="also delete the user's synced records")
    return parser


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
    import boto3

    answer = boto3.session.Session().client("lambda").invoke(
        FunctionName=target.name("DisconnectFunction"),
        Payload=json.dumps({"user_id": user_id, "purge": purge}).encode(),
    )
    result = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise TargetError(f"the disconnect function failed: {result}")
    if not isinstance(result, dict) or "error" in result:
        raise TargetError(f"the disconnect function refused: {result}")
    return result


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
        print("no Procore connection for this user id (never connected, or disconnected)")
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
    elif not result["was_connected"]:
        print(f"{result['user_id']}: had no Procore connection (records purged: {result['purged_records']})")
    else:
        print(f"{result['user_id']}: disconnected (revoked at Procore: {result['revoked']}, "
              f"records purged: {result['purged_records']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
