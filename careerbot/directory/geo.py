"""Distances on the Earth's surface, and the shapes the database uses to find nearby places fast.

The store filters with a latitude/longitude bounding box (indexed columns) and then with the
exact great-circle distance, computed in SQL as the dot product of the points' unit vectors: it
is the cosine of the angle between them, which falls monotonically as the distance grows, so
ordering and radius checks need only multiplications in SQL (SQLite has no trigonometry).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

EARTH_RADIUS_MILES = 3958.8  # mean Earth radius


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def unit_vector(latitude: float, longitude: float) -> Tuple[float, float, float]:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def min_unit_dot(radius_miles: float) -> float:
    """The smallest dot product of the unit vectors of two points within `radius_miles`."""
    return math.cos(min(math.pi, radius_miles / EARTH_RADIUS_MILES))


@dataclass(frozen=True)
class BoundingBox:
    """Latitude range and one or two longitude ranges (two when the box crosses 180°)."""

    min_lat: float
    max_lat: float
    lon_ranges: Tuple[Tuple[float, float], ...]


def bounding_box(latitude: float, longitude: float, radius_miles: float) -> BoundingBox:
    """A box that contains every point within `radius_miles` of the centre."""
    dlat = math.degrees(radius_miles / EARTH_RADIUS_MILES)
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90:  # the circle contains a pole: every longitude
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), ((-180.0, 180.0),))
    # Longitude degrees shrink towards the poles; use the box edge nearest a pole.
    widest = max(abs(min_lat), abs(max_lat))
    dlon = math.degrees(radius_miles / (EARTH_RADIUS_MILES * math.cos(math.radians(widest))))
    if dlon >= 180:
        return BoundingBox(min_lat, max_lat, ((-180.0, 180.0),))
    west, east = longitude - dlon, longitude + dlon
    if west < -180:
        return BoundingBox(min_lat, max_lat, ((west + 360, 180.0), (-180.0, east)))
    if east > 180:
        return BoundingBox(min_lat, max_lat, ((west, 180.0), (-180.0, east - 360)))
    return BoundingBox(min_lat, max_lat, ((west, east),))
