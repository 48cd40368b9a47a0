"""A stand-in for CareerOneStop's American Job Center Finder API, served on 127.0.0.1.

It answers the documented route

    GET /v1/ajcfinder/{userId}/{location}/{radius}/{centerType}/{youthServices}/
        {workersServices}/{businessServices}/{sortColumns}/{sortDirections}/{startRecord}/
        {limitRecord}        Authorization: Bearer {token}

with the documented JSON shape ({"OneStopCenterList": [...], "RecordCount": n}; Distance as a
string, Latitude/Longitude as numbers). The centres are invented test data. `mode` switches the
server to the failures the client must survive: "slow" (answers after `delay` seconds), "error"
(HTTP 500) and "garbage" (200 with a body that is not JSON).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional
from urllib.parse import unquote


def center(center_id: str, name: str, address: str, city: str, state: str, zip_code: str,
           latitude: float, longitude: float, distance: str, phone: str = "(217) 555-0177",
           hours: str = "Monday - Friday 8:00 AM - 4:30 PM",
           website: str = "https://ajc.example.org") -> dict:
    """One OneStopCenterList entry with every documented field."""
    return {
        "ID": center_id, "Name": name, "Address1": address, "Address2": "", "City": city,
        "StateAbbr": state, "StateName": "", "Zip": zip_code, "Phone": phone,
        "Distance": distance, "ProgramType": "Comprehensive", "ProgramTypeNValue": "1",
        "OpenHour": hours, "CenterIsOpen": "", "VeteranRep": "", "BusinessRep": "",
        "GeneralEmail": "ajc@example.org", "VetRepEmail": "", "BusRepEmail": "",
        "YSContact": "", "YSContactEmail": "", "LastUpdated": "2026-01-01", "WhyClosed": "",
        "CenterStatus": "Active", "Latitude": latitude, "Longitude": longitude,
        "WebSiteUrl": website, "Fax": "", "IsValid": "true", "Area": "",
        "YouthServices": [], "BusinessServices": [], "WorkersServices": [],
    }


class FakeCareerOneStop:
    def __init__(self, centers: List[dict], user_id: str = "test-user",
                 token: str = "test-token"):
        self.centers = centers
        self.user_id = user_id
        self.token = token
        self.mode = "ok"
        self.delay = 5.0
        self.requests: List[dict] = []  # {"path": segments, "authorization": header}
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeCareerOneStop":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                fake._answer(self)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        segments = [unquote(s) for s in request.path.split("?")[0].strip("/").split("/")]
        self.requests.append({"path": segments,
                              "authorization": request.headers.get("Authorization")})
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "error":
            return self._send(request, 500, b'{"Message": "An error has occurred."}')
        if self.mode == "garbage":
            return self._send(request, 200, b"<html>maintenance</html>")
        if len(segments) != 13 or segments[:2] != ["v1", "ajcfinder"]:
            return self._send(request, 404, b'{"Message": "No HTTP resource was found"}')
        if segments[2] != self.user_id or request.headers.get("Authorization") != \
                f"Bearer {self.token}":
            return self._send(request, 401, b'{"Message": "Authorization has been denied"}')
        limit = int(segments[12])
        body = {"OneStopCenterList": self.centers[:limit], "RecordCount": len(self.centers),
                "AreaValidationErr": None}
        self._send(request, 200, json.dumps(body).encode())

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        try:
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should for a slow answer
