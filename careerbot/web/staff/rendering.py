"""Jinja2 templates for the console, autoescaping everything: message text is data, never markup."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sanic.response import HTTPResponse, html

from careerbot.console import languages
from careerbot.console.filters import local_zone

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "staff"


def local_time(timestamp: Optional[float], with_seconds: bool = False) -> str:
    if timestamp is None:
        return ""
    moment = dt.datetime.fromtimestamp(timestamp, tz=local_zone())
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def iso_time(timestamp: Optional[float]) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).isoformat()


def percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def thousands(value: int) -> str:
    return f"{value:,}"


environment = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=True,  # every template, whatever its name
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(local_time=local_time, iso_time=iso_time, percent=percent, thousands=thousands)
environment.globals.update(time_zone=lambda: str(local_zone()),
                           # Every language's labels (careerbot/console/languages.py), and one code's.
                           languages=languages.labels(), language_label=languages.label)


# What base.html reads on every page; pages for signed-in staff fill these in (views.page).
PAGE_DEFAULTS = {"user": None, "csrf_token": "", "active": "", "notice": "", "pending_follow_ups": 0}


def render(template: str, status: int = 200, **context) -> HTTPResponse:
    return html(render_markup(template, **{**PAGE_DEFAULTS, **context}), status=status)


def render_markup(template: str, **context) -> Markup:
    """A template's HTML, autoescaped, to be placed into another template or sent as a part of a page."""
    return Markup(environment.get_template(template).render(**context))
