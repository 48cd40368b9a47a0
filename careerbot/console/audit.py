"""The audit log: who viewed, revealed, exported, purged or deleted what, whose call-back contact
details were shown to whom, who changed which staff account, which sign-ins failed, and when."""
from __future__ import annotations

import json
import time
from typing import List, Optional

from sqlalchemy import text
from sqlalchemy.engine import Connection

from careerbot.console.db import Database

ACTIONS = ("login", "login_failed", "logout", "view", "show_contact", "reveal", "export", "export_sender",
           "delete_sender", "purge", "review", "handle", "tag", "note", "create_user", "change_role",
           "reset_password", "disable_user", "enable_user", "delete_user")
PAGE_SIZE = 100


def record(target_db_or_connection, actor: str, action: str, target: Optional[str] = None,
           detail: Optional[dict] = None) -> None:
    """Append an entry; pass the Connection of a change to log it in the same transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    statement = text("INSERT INTO console_audit (at, actor, action, target, detail) VALUES (:at, :actor, "
                     ":action, :target, :detail)")
    values = {"at": time.time(), "actor": actor[:150], "action": action,
              "target": target[:255] if target else None,
              "detail": json.dumps(detail, sort_keys=True) if detail else None}
    if isinstance(target_db_or_connection, Connection):
        target_db_or_connection.execute(statement, values)
    else:
        with target_db_or_connection.transaction() as connection:
            connection.execute(statement, values)


def entries(db: Database, page: int = 1, action: str = "", actor: str = "") -> tuple:
    """One page of entries, newest first, and the number of pages."""
    clauses, params = ["1 = 1"], {}
    if action:
        clauses.append("action = :action")
        params["action"] = action
    if actor:
        clauses.append("actor = :actor")
        params["actor"] = actor
    where = " AND ".join(clauses)
    with db.transaction() as connection:
        total = connection.execute(text(f"SELECT COUNT(*) FROM console_audit WHERE {where}"), params).scalar()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        rows: List[dict] = []
        for row in connection.execute(text(f"SELECT id, at, actor, action, target, detail FROM console_audit "
                                           f"WHERE {where} ORDER BY at DESC, id DESC LIMIT :l OFFSET :o"),
                                      dict(params, l=PAGE_SIZE, o=(page - 1) * PAGE_SIZE)):
            entry = dict(row._mapping)
            entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else {}
            rows.append(entry)
    return rows, total, page, pages
