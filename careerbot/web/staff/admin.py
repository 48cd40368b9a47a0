"""Admin-only pages: revealing a conversation, a person's data requests, and the audit log."""
from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

from sanic import Request
from sanic.response import redirect, text as text_response

from careerbot.console import audit, privacy
from careerbot.web.staff.security import admin_only
from careerbot.web.staff.views import bad_request, blueprint, page, staff


@blueprint.post("/conversation/reveal")
@admin_only
async def reveal(request: Request):
    runtime = staff(request)
    sender_id = request.form.get("sender_id") or ""
    if not await runtime.run(privacy.sender_exists, runtime.db, sender_id):
        return bad_request(request, "There is no conversation with that id.", 404)
    try:
        await runtime.run(privacy.reveal, runtime.db, request.ctx.session.token_hash, sender_id,
                          request.form.get("reason") or "", request.ctx.user.username)
    except privacy.PrivacyError as error:
        return bad_request(request, str(error))
    return redirect(f"/staff/conversation?{urlencode({'id': sender_id, 'notice': 'revealed'})}", status=303)


@blueprint.get("/audit")
@admin_only
async def audit_log(request: Request):
    runtime = staff(request)
    action = request.args.get("action") or ""
    if action and action not in audit.ACTIONS:
        return bad_request(request, "Choose one of the listed actions.")
    try:
        page_number = int(request.args.get("page") or 1)
    except ValueError:
        return bad_request(request, "The page number must be a whole number.")
    actor = (request.args.get("actor") or "")[:150]
    rows, total, page_number, pages = await runtime.run(audit.entries, runtime.db, page_number, action, actor)
    return page(request, "audit.html", rows=rows, total=total, page_number=page_number, pages=pages,
                action=action, actor=actor, actions=audit.ACTIONS, active="audit")


@blueprint.get("/requests")
@admin_only
async def data_requests(request: Request):
    runtime = staff(request)
    sender_id = (request.args.get("sender_id") or "").strip()
    found = bool(sender_id) and await runtime.run(privacy.sender_exists, runtime.db, sender_id)
    return page(request, "requests.html", sender_id=sender_id, found=found, active="requests")


@blueprint.post("/requests/export")
@admin_only
async def export_sender(request: Request):
    runtime = staff(request)
    sender_id = (request.form.get("sender_id") or "").strip()
    if not sender_id or not await runtime.run(privacy.sender_exists, runtime.db, sender_id):
        return bad_request(request, "Nothing is kept about that sender id.", 404)
    data = await runtime.run(privacy.export_sender, runtime.db, sender_id, request.ctx.user.username)
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", sender_id)[:60]
    stamp = dt.date.today().isoformat()
    return text_response(json.dumps(data, ensure_ascii=False, indent=2, default=str),
                         content_type="application/json",
                         headers={"Content-Disposition": f'attachment; filename="sender-{safe_name}-{stamp}.json"'})


@blueprint.post("/requests/delete")
@admin_only
async def delete_sender(request: Request):
    runtime = staff(request)
    sender_id = (request.form.get("sender_id") or "").strip()
    if request.form.get("confirm_sender_id", "").strip() != sender_id or not sender_id:
        return bad_request(request, "Type the sender id again in the confirmation box to delete it.")
    if not await runtime.run(privacy.sender_exists, runtime.db, sender_id):
        return bad_request(request, "Nothing is kept about that sender id.", 404)
    await runtime.run(privacy.delete_sender, runtime.db, sender_id, request.ctx.user.username)
    return redirect("/staff/requests?notice=deleted", status=303)
