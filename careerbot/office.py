"""The counseling office's contact details, from the YAML file the office edits (office.yml)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Dict, Optional

import yaml

from careerbot.settings import office_file

REQUIRED_FIELDS = ("name", "phone", "email", "address", "hours", "website")
# "100 Example Street, Springfield, IL 62701": the state before the ZIP code.
_STATE_IN_ADDRESS = re.compile(r",\s*([A-Z]{2})\s+\d{5}(?:-\d{4})?\s*$")


class OfficeFileError(ValueError):
    """The office file is missing, unreadable or lacks a required field."""


@dataclass(frozen=True)
class Office:
    name: str
    phone: str
    email: str
    address: str
    hours: str
    website: str
    sample: bool = False

    @property
    def state(self) -> Optional[str]:
        """The office's state, from its address: a city name found in several states is taken to
        be the one in the office's state."""
        found = _STATE_IN_ADDRESS.search(self.address)
        return found.group(1) if found else None

    @property
    def display_name(self) -> str:
        return f"{self.name} (sample office)" if self.sample else self.name

    def template_values(self) -> Dict[str, str]:
        """Values for the `{office_*}` placeholders in the domain's responses."""
        values = {f"office_{f.name}": getattr(self, f.name) for f in fields(self) if f.name != "sample"}
        values["office_name"] = self.display_name
        return values


def load_office(path: Optional[Path] = None) -> Office:
    path = Path(path or office_file())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise OfficeFileError(f"Cannot read the office file {path}: {error}") from error
    missing = [name for name in REQUIRED_FIELDS if not str(raw.get(name) or "").strip()]
    if missing:
        raise OfficeFileError(f"The office file {path} lacks: {', '.join(missing)}")
    return Office(**{name: str(raw[name]).strip() for name in REQUIRED_FIELDS},
                  sample=bool(raw.get("sample", False)))


@functools.lru_cache(maxsize=1)
def current_office() -> Office:
    """The office of this deployment, read once per process."""
    return load_office()
