"""Search results as plain chat text (no markdown): one block per place, and an honest message
with national finders when nothing was found.

A block reads:

    Sample Prairie Workforce Center — Job search help (sample listing)
    101 Sample Way, Springfield, IL 62701 · 1.2 miles
    217-555-0101 · Mon–Fri 8 am–4:30 pm (open now)
    https://prairie-workforce.example.org
    Eligibility: Adults 18 and over · Fees: Free

Lines without data are left out. "(sample listing)" comes from the listing's sample marker in
the directory data, so fictional demo entries are never presented as real.
"""
from __future__ import annotations

from typing import List

from careerbot.directory.search import LOCAL_SOURCE, Listing, SearchResult
from careerbot.office import Office

SAMPLE_LABEL = "(sample listing)"
MORE_HINT = 'Say "show more" to see more.'


def listing_title(listing: Listing) -> str:
    """The listing's name, labelled when it is fictional sample data or from a live provider."""
    title = listing.name
    if listing.is_sample:
        title += f" {SAMPLE_LABEL}"
    if listing.source != LOCAL_SOURCE:
        title += f" (from {listing.source})"
    return title


def format_listing(listing: Listing) -> str:
    title = listing_title(listing)
    where = [listing.address] if listing.address else []
    lines = [title, " · ".join(where + [miles(listing.distance_miles)])]
    contact = [listing.phone] if listing.phone else []
    if listing.hours:
        state = {True: " (open now)", False: " (closed now)"}.get(listing.open_now, "")
        contact.append(listing.hours + state)
    if contact:
        lines.append(" · ".join(contact))
    if listing.website:
        lines.append(listing.website)
    terms = [f"{label}: {value}" for label, value in
             (("Eligibility", listing.eligibility), ("Fees", listing.fees)) if value]
    if terms:
        lines.append(" · ".join(terms))
    return "\n".join(lines)


def format_results(result: SearchResult, office: Office) -> str:
    """The whole reply for a search: results with a short introduction, or, when nothing was
    found, the nothing-found message."""
    if result.total == 0:
        return format_nothing_found(result, office)
    if not result.listings:
        return "That's all of them: there are no more results for this search."
    parts: List[str] = []
    if result.widened and result.offset == 0:
        parts.append(f"I found nothing within {_radius(result.requested_radius_miles)} miles, "
                     f"so I looked further, within {_radius(result.radius_miles)} miles.")
    first, last = result.offset + 1, result.next_offset
    shown = f"{first} of {result.total}" if first == last else f"{first}–{last} of {result.total}"
    label = result.category_label[:1].upper() + result.category_label[1:]
    parts.append(f"{label} near {result.place.label}, within "
                 f"{_radius(result.radius_miles)} miles, nearest first ({shown}):")
    parts.extend(format_listing(listing) for listing in result.listings)
    if result.has_more:
        parts.append(MORE_HINT)
    return "\n\n".join(parts)


def format_nothing_found(result: SearchResult, office: Office) -> str:
    """Say plainly that the directory has nothing nearby and point to national finders."""
    widened = (f" (I also looked beyond the first {_radius(result.requested_radius_miles)} "
               "miles)") if result.widened else ""
    return "\n".join([
        f"I couldn't find any {result.category_label} within {_radius(result.radius_miles)} "
        f"miles of {result.place.label} in our directory{widened}.",
        "You can still find help nearby:",
        "• Your local workforce development office or American Job Center: search CareerOneStop's "
        "American Job Center finder at careeronestop.org.",
        "• 211: call 211 or visit 211.org to reach local community services.",
        f"• {office.display_name}: {office.phone}, {office.email}, {office.website}",
    ])


def miles(distance: float) -> str:
    text = f"{distance:.1f}"
    return f"{text} mile" if text == "1.0" else f"{text} miles"


def _radius(miles: float) -> str:
    return f"{miles:g}"
