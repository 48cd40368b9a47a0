"""Optional live provider: CareerOneStop's American Job Center Finder API (U.S. Dept. of Labor).

Enabled when CAREERONESTOP_USER_ID and CAREERONESTOP_TOKEN are set; CAREERONESTOP_API_BASE_URL
overrides https://api.careeronestop.org (the tests point it at a fake server). Route, as the API
documents it:

    GET /v1/ajcfinder/{userId}/{location}/{radius}/{centerType}/{youthServices}/
        {workersServices}/{businessServices}/{sortColumns}/{sortDirections}/{startRecord}/
        {limitRecord}
    Authorization: Bearer {token}

answering {"OneStopCenterList": [{"Name", "Address1", "City", "StateAbbr", "Zip", "Phone",
"Distance", "OpenHour", "WebSiteUrl", "Latitude", "Longitude", ...}], "RecordCount": n}.

A request gets two seconds in all; any failure raises CareerOneStopError, whose message never
contains the searched place or the credentials, so callers can log it.
"""
from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from typing import List, Mapping, Optional
from urllib.parse import quote

from careerbot.directory.geo import haversine_miles
from careerbot.directory.search import Listing, LiveProviderError, one_line_address
from careerbot.places import Place

DEFAULT_BASE_URL = "https://api.careeronestop.org"
TIMEOUT_SECONDS = 2.0
SOURCE = "CareerOneStop"

# Requests run on these threads so that a server trickling bytes cannot hold a search longer
# than the timeout: the caller stops waiting, the thread ends with its socket timeout.
_requests = ThreadPoolExecutor(max_workers=4, thread_name_prefix="careeronestop")


class CareerOneStopError(LiveProviderError):
    """The API could not be used for this search (message is safe to log)."""


class CareerOneStop:
    source = SOURCE
    # American Job Centers are the public workforce and career centers.
    resource_types = frozenset({"workforce_center", "career_center"})

    def __init__(self, user_id: str, token: str, base_url: str = DEFAULT_BASE_URL,
                 timeout: float = TIMEOUT_SECONDS):
        self._user_id = user_id
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"CareerOneStop(base_url={self.base_url!r})"  # never the credentials

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Optional["CareerOneStop"]:
        env = os.environ if env is None else env
        user_id, token = env.get("CAREERONESTOP_USER_ID"), env.get("CAREERONESTOP_TOKEN")
        if not (user_id and token):
            return None
        return cls(user_id, token, env.get("CAREERONESTOP_API_BASE_URL") or DEFAULT_BASE_URL)

    def find(self, place: Place, radius_miles: float, limit: int) -> List[Listing]:
        """American Job Centers within `radius_miles` of `place`, nearest first."""
        location = place.zip_code or f"{place.city}, {place.state}"
        path = "/".join(quote(str(part), safe="") for part in (
            self._user_id, location, max(1, math.ceil(radius_miles)),
            0, 0, 0, 0,  # centerType, youth, workers, business services: 0 = no filter
            "Distance", "ASC", 0, max(1, limit)))
        request = urllib.request.Request(
            f"{self.base_url}/v1/ajcfinder/{path}",
            headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"})
        future = _requests.submit(self._fetch, request)
        try:
            answer = future.result(timeout=self.timeout)
        except FutureTimeout:
            raise CareerOneStopError(f"no answer within {self.timeout:g} s") from None
        centers = answer.get("OneStopCenterList") if isinstance(answer, dict) else None
        if not isinstance(centers, list):
            raise CareerOneStopError("answer has no OneStopCenterList")
        listings = [self._listing(c, place) for c in centers if isinstance(c, dict)]
        return sorted((item for item in listings if item is not None),
                      key=lambda item: item.distance_miles)

    def _fetch(self, request: urllib.request.Request) -> object:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise CareerOneStopError(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CareerOneStopError(f"connection failed ({type(reason).__name__})") from None
        except ValueError:
            raise CareerOneStopError("answer is not JSON") from None

    def _listing(self, center: Mapping[str, object], place: Place) -> Optional[Listing]:
        name = _text(center.get("Name"))
        latitude, longitude = _number(center.get("Latitude")), _number(center.get("Longitude"))
        if not name:
            return None
        if latitude is not None and longitude is not None:
            distance = haversine_miles(place.latitude, place.longitude, latitude, longitude)
        else:
            distance = _number(center.get("Distance"))
            if distance is None:
                return None
            latitude, longitude = place.latitude, place.longitude
        address = one_line_address(
            (_text(center.get("Address1")), _text(center.get("Address2"))),
            _text(center.get("City")), _text(center.get("StateAbbr")), _text(center.get("Zip")))
        return Listing(
            id=f"careeronestop:{_text(center.get('ID')) or name}",
            organization=name,
            service="American Job Center",
            address=address,
            latitude=latitude,
            longitude=longitude,
            distance_miles=distance,
            phone=_text(center.get("Phone")),
            website=_text(center.get("WebSiteUrl")),
            hours=_text(center.get("OpenHour")),
            source=SOURCE,
        )


def _text(value: object) -> Optional[str]:
    text = str(value).strip() if value is not None else ""
    return text or None


def _number(value: object) -> Optional[float]:
    try:
        number = float(value)  # the API gives Distance as a string, coordinates as numbers
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
