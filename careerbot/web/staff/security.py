"""Sign-in state for console requests: session cookie, roles, CSRF and response headers.

Every /staff route needs a signed-in user unless it is listed in PUBLIC_ROUTES, so a route added
later is closed by default. State-changing requests (every POST) must carry the session's CSRF
token; the sign-in form, which has no session yet, uses a double-submit cookie instead.
"""
from __future__ import annotations

import functools
import secrets
from typing import Optional
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse, redirect

from careerbot.console import accounts
from careerbot.web.security import is_https
from careerbot.web.staff.rendering import render

SESSION_COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login_csrf"
COOKIE_PATH = "/staff"
LOGIN_PATH = "/staff/login"
# Routes a visitor who is not signed in may reach: the sign-in page and the stylesheet it uses.
PUBLIC_ROUTES = frozenset({"login_page", "login_submit", "static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def route_name(request: Request) -> str:
    return request.route.name.rsplit(".", 1)[-1] if request.route else ""


def set_cookie(request: Request, response: HTTPResponse, name: str, value: str, path: str = COOKIE_PATH,
               max_age: Optional[int] = None) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = path
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if is_https(request):
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def delete_cookie(request: Request, response: HTTPResponse, name: str, path: str = COOKIE_PATH) -> None:
    set_cookie(request, response, name, "", path=path, max_age=0)


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def refuse_anonymous(request: Request) -> HTTPResponse:
    if request.method in SAFE_METHODS:
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        return redirect(f"{LOGIN_PATH}?next={quote(target, safe='/')}")
    return render("error.html", status=401, title="Sign in required",
                  message="Your session has ended. Sign in again, then repeat what you were doing.")


def refuse_csrf(request: Request) -> HTTPResponse:
    return render("error.html", status=403, title="Form expired",
                  message="This form was not sent from a current console page. Go back, reload the page "
                          "and try again.", user=request.ctx.user, csrf_token=request.ctx.csrf_token)


def safe_next(target: Optional[str]) -> str:
    """Where to go after sign-in: only console paths on this site (no open redirect)."""
    if target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff/queue"


def admin_only(handler):
    """Route decorator: counselors get 403."""
    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        if not request.ctx.user.is_admin:
            return render("error.html", status=403, title="Admins only",
                          message="This part of the console is for admins. Ask an admin if you need it.",
                          user=request.ctx.user, csrf_token=request.ctx.csrf_token)
        return await handler(request, *args, **kwargs)
    return wrapper


def session_of(request: Request) -> Optional[accounts.Session]:
    return getattr(request.ctx, "session", None)
