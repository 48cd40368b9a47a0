"""Write HSDS 3.0 packages: any rows (write_package), or a large synthetic directory for the
benchmark (generate_synthetic_package).

The synthetic directory places its services at real ZIP code centres across the US, so that
searches from real places see realistic densities. Every organisation in it is fictional and
carries the sample-listing marker, so if it were ever imported by mistake the bot would label it.
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional

from careerbot.directory.hsds import TABLES, TABLES_BY_NAME
from careerbot.directory.importer import SAMPLE_LISTING_TERM
from careerbot.directory.mapping import ResourceMapping, default_mapping
from careerbot.directory.validate import DATAPACKAGE_FILE
from careerbot.places import PlaceIndex

Rows = Iterable[Mapping[str, object]]


def write_package(directory: Path, rows_by_table: Mapping[str, Rows],
                  name: str = "careerbot-directory") -> Path:
    """Write the given tables (HSDS resource name -> rows as dicts) as CSV files with the
    specification's columns, plus a datapackage.json describing them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    for table in TABLES:
        if table.name not in rows_by_table:
            continue
        with open(directory / table.path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(table.columns)
            for row in rows_by_table[table.name]:
                unknown = set(row) - set(table.columns)
                if unknown:
                    raise ValueError(f"{table.path} has no column {', '.join(sorted(unknown))}")
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in table.columns])
        schema: Dict[str, object] = {
            "primaryKey": "id",
            "fields": [{"name": c, "type": "number" if c in table.numbers else "string",
                        "constraints": {"required": c in table.required}}
                       for c in table.columns],
        }
        foreign_keys = [{"fields": column, "reference": {"resource": target, "fields": "id"}}
                        for column, target in table.references.items()
                        if target in rows_by_table]
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append({"name": table.name, "path": table.path, "format": "csv",
                          "mediatype": "text/csv", "profile": "tabular-data-resource",
                          "schema": schema})
    descriptor = {"name": name, "profile": "tabular-data-package", "version": "3.0.0",
                  "resources": resources}
    (directory / DATAPACKAGE_FILE).write_text(json.dumps(descriptor, indent=2) + "\n",
                                              encoding="utf-8")
    return directory


SERVICES_PER_ORGANIZATION = 4
MARKER_TERM_ID = "term-sample-listing"


def generate_synthetic_package(directory: Path, services: int = 100_000, seed: int = 1,
                               mapping: Optional[ResourceMapping] = None) -> Path:
    """A fictional directory of `services` services (4 per organisation, one location each),
    every service tagged with one category term from the mapping."""
    mapping = mapping or default_mapping()
    rng = random.Random(seed)
    places = PlaceIndex.default().zip_places()
    category_terms = sorted(min(t.terms) for t in mapping.resource_types.values())
    term_ids = {term: f"term-{i}" for i, term in enumerate(category_terms)}

    rows: Dict[str, List[dict]] = {name: [] for name in TABLES_BY_NAME}
    rows["taxonomy"].append({"id": "tax-1", "name": "Synthetic categories",
                             "description": "Categories of the synthetic benchmark directory"})
    for term, term_id in term_ids.items():
        rows["taxonomy_term"].append({"id": term_id, "code": term, "name": term,
                                      "description": f"Synthetic category {term}",
                                      "taxonomy_id": "tax-1"})
    rows["taxonomy_term"].append({"id": MARKER_TERM_ID, "code": SAMPLE_LISTING_TERM,
                                  "name": "Sample listing", "taxonomy_id": "tax-1",
                                  "description": "Fictional organisation, not a real listing"})
    organizations = (services + SERVICES_PER_ORGANIZATION - 1) // SERVICES_PER_ORGANIZATION
    for o in range(organizations):
        place = rng.choice(places)
        org_id, loc_id = f"org-{o}", f"loc-{o}"
        latitude = round(place.latitude + rng.uniform(-0.01, 0.01), 5)
        longitude = round(place.longitude + rng.uniform(-0.01, 0.01), 5)
        rows["organization"].append({
            "id": org_id, "name": f"Synthetic Organization {o:06d}",
            "description": "Fictional benchmark listing, not a real organization.",
            "website": f"https://org{o}.example.org"})
        rows["attribute"].append({"id": f"attr-org-{o}", "link_id": org_id,
                                  "link_entity": "organization", "link_type": "marker",
                                  "taxonomy_term_id": MARKER_TERM_ID})
        rows["location"].append({"id": loc_id, "location_type": "physical",
                                 "organization_id": org_id, "name": f"Office {o:06d}",
                                 "latitude": latitude, "longitude": longitude})
        rows["address"].append({"id": f"addr-{o}", "location_id": loc_id,
                                "address_1": f"{100 + o % 900} Example Street",
                                "city": place.city, "state_province": place.state,
                                "postal_code": place.zip_code, "country": "US",
                                "address_type": "physical"})
        rows["phone"].append({"id": f"phone-{o}", "organization_id": org_id,
                              "number": f"555-555-01{o % 100:02d}", "type": "voice"})
        rows["schedule"].append({"id": f"sched-{o}", "location_id": loc_id, "freq": "WEEKLY",
                                 "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00",
                                 "closes_at": "17:00"})
        for k in range(min(SERVICES_PER_ORGANIZATION, services - o * SERVICES_PER_ORGANIZATION)):
            service_id = f"svc-{o}-{k}"
            rows["service"].append({"id": service_id, "organization_id": org_id,
                                    "name": f"Service {k + 1}", "status": "active"})
            rows["service_at_location"].append({"id": f"sal-{o}-{k}", "service_id": service_id,
                                                "location_id": loc_id})
            rows["attribute"].append({"id": f"attr-{o}-{k}", "link_id": service_id,
                                      "link_entity": "service", "link_type": "category",
                                      "taxonomy_term_id": term_ids[rng.choice(category_terms)]})
    return write_package(directory, rows, name="careerbot-synthetic-directory")
