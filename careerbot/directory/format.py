"""Search results as plain chat text (no markdown): one block per place, and an honest message
with national finders when nothing was found.

A block reads:

    Sample Prairie Workforce Center — Job search help (sample listing)
    Spanish spoken: Bilingual staff on Tuesdays
    101 Sample Way, Springfield, IL 62701 · 1.2 miles
    217-555-0101 · Mon–Fri 8 am–4:30 pm (open now)
    https://prairie-workforce.example.org
    Eligibility: Adults 18 and over · Fees: Free

Lines without data are left out. "(sample listing)" comes from the listing's sample marker in
the directory data, so fictional demo entries are never presented as real. "Spanish spoken" ("Se
habla español") marks a listing the directory's languages.csv says is offered in Spanish, with
the directory's note if it gives one, in replies in either language (it helps English-speaking
staff and family members too). A conversation in Spanish gets the same in Spanish (`language`,
see PHRASES); the directory's data (names, notes, eligibility, fees) stays as written.
"""
from __future__ import annotations

from typing import List, Optional

from careerbot.directory import hours
from careerbot.directory.search import LOCAL_SOURCE, Listing, SearchResult
from careerbot.language import DEFAULT_LANGUAGE
from careerbot.office import Office

# Every sentence of a search reply, by language (careerbot.language.LANGUAGES). The directory's
# own data (names, addresses, eligibility, fees) is shown as the directory words it.
PHRASES = {
    "en": {
        "sample": "(sample listing)",
        "from": "(from {source})",
        "open_now": " (open now)",
        "closed_now": " (closed now)",
        "eligibility": "Eligibility",
        "fees": "Fees",
        "no_more": "That's all of them: there are no more results for this search.",
        "widened": "I found nothing within {requested} miles, so I looked further, within {radius} "
                   "miles.",
        "one_of": "{first} of {total}",
        "range_of": "{first}–{last} of {total}",
        "found": "{label} near {place}, within {radius} miles, nearest first ({shown}):",
        "found_spanish_first": "{label} near {place}, within {radius} miles, places where Spanish "
                               "is spoken first, then the others, each nearest first ({shown}):",
        "spanish_spoken": "Spanish spoken",
        "more_hint": 'Say "show more" to see more.',
        "more_button": "Show more",
        "nothing_found": "I couldn't find any {label} within {radius} miles of {place} in our "
                         "directory{widened}.",
        "also_looked": " (I also looked beyond the first {requested} miles)",
        "still_find_help": "You can still find help nearby:",
        "job_center_finder": "• Your local workforce development office or American Job Center: "
                             "search CareerOneStop's American Job Center finder at "
                             "careeronestop.org.",
        "call_211": "• 211: call 211 or visit 211.org to reach local community services.",
        "one_mile": "{miles} mile",
        "miles": "{miles} miles",
    },
    "es": {
        "sample": "(ejemplo de prueba)",
        "from": "(de {source})",
        "open_now": " (abierto ahora)",
        "closed_now": " (cerrado ahora)",
        "eligibility": "Requisitos",
        "fees": "Costo",
        "no_more": "Eso es todo: no hay más resultados para esta búsqueda.",
        "widened": "No encontré nada a menos de {requested} millas, así que busqué más lejos, a "
                   "menos de {radius} millas.",
        "one_of": "{first} de {total}",
        "range_of": "{first}–{last} de {total}",
        "found": "{label} cerca de {place}, a menos de {radius} millas, empezando por los más "
                 "cercanos ({shown}):",
        "found_spanish_first": "{label} cerca de {place}, a menos de {radius} millas, primero los "
                               "lugares donde se habla español y después los demás, empezando "
                               "por los más cercanos ({shown}):",
        "spanish_spoken": "Se habla español",
        "more_hint": 'Escribe "ver más" para ver más resultados.',
        "more_button": "Ver más",
        "nothing_found": "No encontré {label} a menos de {radius} millas de {place} en nuestro "
                         "directorio{widened}.",
        "also_looked": " (también busqué más allá de las primeras {requested} millas)",
        "still_find_help": "Aun así, puedes encontrar ayuda cerca de ti:",
        "job_center_finder": "• La oficina de desarrollo laboral (workforce development office) o "
                             "el American Job Center de tu zona: búscalos con el buscador de "
                             "American Job Centers de CareerOneStop en careeronestop.org.",
        "call_211": "• 211: llama al 211 o visita 211.org para comunicarte con los servicios "
                    "comunitarios de tu zona.",
        "one_mile": "{miles} milla",
        "miles": "{miles} millas",
    },
}


def listing_title(listing: Listing, language: str = DEFAULT_LANGUAGE) -> str:
    """The listing's name, labelled when it is fictional sample data or from a live provider."""
    phrases = PHRASES[language]
    title = listing.name
    if listing.is_sample:
        title += f" {phrases['sample']}"
    if listing.source != LOCAL_SOURCE:
        title += " " + phrases["from"].format(source=listing.source)
    return title


def listing_hours(listing: Listing, language: str = DEFAULT_LANGUAGE) -> Optional[str]:
    """The listing's hours line in `language`, from its schedule rules; a live provider's text
    (it gives no rules) as the provider words it."""
    if language == DEFAULT_LANGUAGE or not listing.schedule:
        return listing.hours
    return hours.hours_text(listing.schedule, language) or None


def spanish_spoken(listing: Listing, language: str = DEFAULT_LANGUAGE) -> Optional[str]:
    """"Se habla español" (in `language`) and the directory's note, for a listing the directory
    says is offered in Spanish; None for others."""
    offered = listing.offered_in("es")
    if offered is None:
        return None
    mark = PHRASES[language]["spanish_spoken"]
    return f"{mark}: {offered.note}" if offered.note else mark


def format_listing(listing: Listing, language: str = DEFAULT_LANGUAGE) -> str:
    phrases = PHRASES[language]
    lines = [listing_title(listing, language)]
    spanish = spanish_spoken(listing, language)
    if spanish:
        lines.append(spanish)
    where = [listing.address] if listing.address else []
    lines.append(" · ".join(where + [miles(listing.distance_miles, language)]))
    contact = [listing.phone] if listing.phone else []
    opening_hours = listing_hours(listing, language)
    if opening_hours:
        state = {True: phrases["open_now"], False: phrases["closed_now"]}.get(listing.open_now, "")
        contact.append(opening_hours + state)
    if contact:
        lines.append(" · ".join(contact))
    if listing.website:
        lines.append(listing.website)
    terms = [f"{phrases[label]}: {value}" for label, value in
             (("eligibility", listing.eligibility), ("fees", listing.fees)) if value]
    if terms:
        lines.append(" · ".join(terms))
    return "\n".join(lines)


def format_results(result: SearchResult, office: Office, language: str = DEFAULT_LANGUAGE) -> str:
    """The whole reply for a search: results with a short introduction, or, when nothing was
    found, the nothing-found message."""
    phrases = PHRASES[language]
    if result.total == 0:
        return format_nothing_found(result, office, language)
    if not result.listings:
        return phrases["no_more"]
    parts: List[str] = []
    if result.widened and result.offset == 0:
        parts.append(phrases["widened"].format(requested=_radius(result.requested_radius_miles),
                                               radius=_radius(result.radius_miles)))
    first, last = result.offset + 1, result.next_offset
    shown = phrases["one_of" if first == last else "range_of"].format(
        first=first, last=last, total=result.total)
    category = result.category_labels[language]
    spanish_first = result.preferred_first and result.preferred_language == "es"
    heading = "found_spanish_first" if spanish_first else "found"
    parts.append(phrases[heading].format(label=category[:1].upper() + category[1:],
                                         place=result.place.label,
                                         radius=_radius(result.radius_miles), shown=shown))
    parts.extend(format_listing(listing, language) for listing in result.listings)
    if result.has_more:
        parts.append(phrases["more_hint"])
    return "\n\n".join(parts)


def more_button_title(language: str = DEFAULT_LANGUAGE) -> str:
    """The title of the button that shows the next results: the words "more_hint" asks for."""
    return PHRASES[language]["more_button"]


def format_nothing_found(result: SearchResult, office: Office,
                         language: str = DEFAULT_LANGUAGE) -> str:
    """Say plainly that the directory has nothing nearby and point to national finders."""
    phrases = PHRASES[language]
    widened = phrases["also_looked"].format(requested=_radius(result.requested_radius_miles)) \
        if result.widened else ""
    return "\n".join([
        phrases["nothing_found"].format(label=result.category_labels[language],
                                        radius=_radius(result.radius_miles),
                                        place=result.place.label, widened=widened),
        phrases["still_find_help"],
        phrases["job_center_finder"],
        phrases["call_211"],
        f"• {office.display_name}: {office.phone}, {office.email}, {office.website}",
    ])


def miles(distance: float, language: str = DEFAULT_LANGUAGE) -> str:
    text = f"{distance:.1f}"
    return PHRASES[language]["one_mile" if text == "1.0" else "miles"].format(miles=text)


def _radius(miles: float) -> str:
    return f"{miles:g}"
