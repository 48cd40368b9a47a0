"""Console administration from the command line.

    python -m careerbot.console migrate
    python -m careerbot.console user USERNAME --role counselor|admin   (password: STAFF_PASSWORD or prompt)
    python -m careerbot.console disable|enable|delete USERNAME
    python -m careerbot.console purge --days N
    python -m careerbot.console sync

Account changes and purges are in the console's audit log, by "cli:" and the system user's name.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
import time

from careerbot.console.accounts import ROLES, AccountError, create_or_update_user, delete_user, set_disabled
from careerbot.console.db import Database
from careerbot.console.migrations import migrate
from careerbot.console.privacy import PrivacyError, purge
from careerbot.console.summaries import SummarySync

CLI_ACTOR = "cli:" + (os.environ.get("USER") or "unknown")


def _password() -> str:
    password = os.environ.get("STAFF_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise AccountError("Set STAFF_PASSWORD or run this in a terminal to be asked for the password.")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise AccountError("The two passwords differ.")
    return first


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m careerbot.console", description="Staff console administration")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the console's tables")
    user = commands.add_parser("user", help="create a staff account, or reset its role and password")
    user.add_argument("username")
    user.add_argument("--role", choices=ROLES, required=True)
    for name, help_text in (("disable", "stop an account signing in, and end its sessions"),
                            ("enable", "let a disabled account sign in again"),
                            ("delete", "delete an account, and end its sessions")):
        commands.add_parser(name, help=help_text).add_argument("username")
    purge_parser = commands.add_parser("purge", help="delete conversations older than N days, with their notes")
    purge_parser.add_argument("--days", type=int, required=True)
    commands.add_parser("sync", help="bring the conversation summaries up to date with Rasa's events")
    args = parser.parse_args(argv)

    db = Database()
    try:
        migrate(db)
        if args.command == "migrate":
            print("The console's tables are up to date.")
        elif args.command == "user":
            created = create_or_update_user(db, args.username, args.role, _password(), CLI_ACTOR)
            print(f"{'Created' if created else 'Updated'} {args.role} account {args.username!r}.")
        elif args.command in ("disable", "enable"):
            changed = set_disabled(db, args.username, args.command == "disable", CLI_ACTOR)
            state = "disabled; its sessions have ended" if args.command == "disable" else "enabled"
            print(f"Account {args.username!r} {'is now' if changed else 'was already'} {state}.")
        elif args.command == "delete":
            delete_user(db, args.username, CLI_ACTOR)
            print(f"Deleted account {args.username!r}; its sessions have ended.")
        elif args.command == "purge":
            deleted = purge(db, args.days, CLI_ACTOR)
            print(f"Deleted {deleted} conversation(s) with no activity in the last {args.days} day(s).")
        elif args.command == "sync":
            started = time.perf_counter()
            events = SummarySync(db).run()
            print(f"Summarised {events} new event(s) in {time.perf_counter() - started:.1f} s.")
    except (AccountError, PrivacyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
