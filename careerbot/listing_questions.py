"""Follow-up questions about the listings the bot has just shown, answered from their directory
fields and nothing else.

    question = read_question("r they open saturdy", [listing.name for listing in shown])
    if question:
        reply = answer(question, shown, now)

Questions are read with word lists and patterns, not a model: visitors type on phones ("wats the
number", "hw much", "r they open 2day"), so the text is lower-cased, shorthand is spelled out and
misspelt day names are matched by edit distance before the patterns run. Answers quote the
directory's own text (hours, eligibility, fees, how to apply, phone, address, website, distance);
a field the directory leaves empty is said to be missing, with the listing's phone or website (or a
counselor) as the way to find out. A conversation in Spanish gets its answers in Spanish
(`language`, see PHRASES), and a few Spanish words of a question are read too ("¿abren el
sábado?").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from careerbot.directory import hours
from careerbot.directory.format import listing_hours, listing_title, miles
from careerbot.directory.search import Listing
from careerbot.language import DEFAULT_LANGUAGE, fold

# What a question can ask about the listings shown.
DETAILS = ("hours_day", "open_now", "evening", "eligibility", "cost", "apply", "closest", "phone",
           "address", "website")

WEEKDAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
WEEKEND = (5, 6)


@dataclass(frozen=True)
class ListingQuestion:
    details: Tuple[str, ...]          # kinds from DETAILS, in DETAILS order
    # hours_day: the weekdays asked about by name, 0 = Monday ... 6 = Sunday ("weekend": 5, 6)
    days: Tuple[int, ...] = ()
    # hours_day: "today" 0, "tomorrow" 1; a date only `now` fixes, so it is resolved in answer()
    days_ahead: Optional[int] = None
    which: Optional[int] = None       # index into the shown listings when one is singled out


# ---- reading a question -----------------------------------------------------------------------

# Phone spellings and shorthand, spelled out before any pattern runs.
SHORTHAND: Dict[str, str] = {
    "u": "you", "r": "are", "ur": "your", "cn": "can", "hw": "how", "wat": "what", "wut": "what",
    "wht": "what", "wats": "whats", "wuts": "whats", "whts": "whats", "wheres": "where is",
    "n": "and", "rn": "right now", "atm": "right now", "ppl": "people",
    "2day": "today", "tday": "today", "2morrow": "tomorrow", "2moro": "tomorrow",
    "2mrw": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow",
    "tomoro": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow",
    "2nite": "tonight", "2night": "tonight", "tonite": "tonight", "tonigt": "tonight",
    "nite": "night", "nites": "nights", "evenin": "evening", "evning": "evening",
    "evenings": "evening", "wknd": "weekend", "wkend": "weekend", "weekends": "weekend",
    "hrs": "hours", "hr": "hours", "opn": "open", "clsd": "closed",
    "ph": "phone", "fone": "phone", "phn": "phone", "num": "number", "numbr": "number",
    "nmbr": "number", "nuber": "number", "numer": "number", "tel": "phone",
    "adress": "address", "addres": "address", "adres": "address", "addy": "address",
    "adddress": "address", "addr": "address", "webiste": "website", "websit": "website",
    "wesite": "website", "websight": "website", "webpage": "website",
    "qualfy": "qualify", "qualifiy": "qualify", "quailfy": "qualify", "qualfiy": "qualify",
    "qualifi": "qualify", "elegible": "eligible", "eligable": "eligible", "eligble": "eligible",
    "elligible": "eligible", "requirments": "requirements", "requirment": "requirement",
    "aply": "apply", "appy": "apply", "regester": "register", "registar": "register",
    "regster": "register", "enrol": "enroll", "enrole": "enroll", "signup": "sign up",
    "fre": "free", "cst": "cost", "coste": "cost", "pric": "price",
    "closet": "closest", "closests": "closest", "closesd": "closest", "nearst": "nearest",
    "neares": "nearest", "nearests": "nearest",
    "frist": "first", "secnd": "second", "seccond": "second", "thrid": "third",
}
# Spanish words of a question (without accents), read as the English words the patterns look for:
# "¿están abiertos ahora?" asks what "are open now" asks. Only words that mean nothing else in an
# English message; the day names are in _DAY_INDEX.
SPANISH_WORDS: Dict[str, str] = {
    "abierto": "open", "abierta": "open", "abiertos": "open", "abiertas": "open", "abre": "open",
    "abren": "open", "cerrado": "closed", "cerrada": "closed", "cerrados": "closed",
    "cierra": "close", "cierran": "close", "horario": "hours", "horarios": "hours",
    "hora": "hours", "hoy": "today", "ahora": "now", "ahorita": "now", "noche": "night",
    "esta": "is", "estan": "are", "queda": "is", "quedan": "are", "donde": "where",
    "cuesta": "cost", "cuestan": "cost", "cobran": "cost", "gratis": "cost", "precio": "price",
    "manana": "tomorrow", "requisitos": "requirements", "califico": "qualify",
    "califica": "qualify", "inscribo": "register", "inscribirme": "register",
    "inscribirse": "register", "cita": "appointment", "telefono": "phone", "numero": "number",
    "direccion": "address", "cerca": "nearby", "cercano": "closest", "cercana": "closest",
}
# ... and phrases, read first ("mañana" is tomorrow, "la mañana" the morning).
_SPANISH_PHRASES = (("esta noche", "tonight"), ("la manana", "morning"),
                    ("fin de semana", "weekend"), ("tengo que pagar", "have to pay"),
                    ("quien puede", "who can"), ("que tan lejos", "how far"),
                    ("sitio web", "website"), ("pagina web", "website"))

# Abbreviations of weekdays; misspellings of the full names are found by edit distance.
DAY_SPELLINGS: Dict[str, int] = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}
_DAY_INDEX: Dict[str, int] = {
    **{fold(name): i for names in WEEKDAY_NAMES.values() for i, name in enumerate(names)},
    **{fold(name) + "s": i for names in WEEKDAY_NAMES.values() for i, name in enumerate(names)},
    **DAY_SPELLINGS,
}

# Days and times are everyday words ("see you monday", "good evening", "sat"): they make a
# question about opening hours only next to a word about hours or going there ...
_HOURS_CONTEXT = re.compile(
    r"\b(open|opens|opening|close|closes|closing|closed|hours|time|times|when|schedule|"
    r"available|go|come|visit|there|class|classes)\b")
# ... or in a short follow-up made of nothing else ("saturday?", "what about sat",
# "and on sunday", "do they do evenings").
_WHEN_WORDS = frozenset(_DAY_INDEX) | frozenset(
    "today tomorrow tonight weekend evening evenings night nights late after past till til until "
    "work works working school days am pm".split())
_FOLLOW_UP_WORDS = frozenset(
    "what whats about how and or on this next the any anything them they it those these are is "
    "do does in at for of then also too so a an one ones y el la los las en".split())
# Said of oneself ("any at night? i work til 5") they may be part of a follow-up asking
# something; alone ("i work nights") they tell, and ask nothing.
_SAID_OF_ONESELF = frozenset("i im have has got you".split())
_ASKING_WORDS = frozenset("any anything ones they them what whats how when are is do does".split())

_OPEN_NOW = re.compile(
    r"\bopen (right )?now\b|\b(still|currently) open\b|\bopen at the moment\b|"
    r"\bclosed (right )?now\b")
# Hours asked without a day or time ("are they open", "what are the hours"): the answer is
# whether they are open now, with their hours.
_HOURS_IN_GENERAL = re.compile(
    r"\b(is|are|will|if|be)\b( \w+){0,3} (open|closed)\b(?! to\b)|\bhours\b|\bschedule\b|"
    r"\bwhat time\b|\bwhen (do|does|are|is|will)\b( \w+){0,3} (open|close|closed)\b|"
    r"\bopen (till|until)\b|\bclose at\b|\bclosing time\b|\bopening time\b")
_EVENING = re.compile(
    r"\bevening\b|\bnights?\b|\btonight\b|\bafter (work|school|hours|[4-9]( ?pm| o ?clock)?)\b|"
    r"\b[5-9] ?pm\b|\bpast [4-9]\b|\b(open|stay|stays|staying) (till |until )?late\b|"
    r"\blate (hours|night|evening)\b")
_SALARY = re.compile(r"\b(make|earn|earns|earning|salary|wage|wages|paid)\b")
_FIELD_PATTERNS: Dict[str, re.Pattern] = {
    "eligibility": re.compile(
        r"\bqualify\b|\bqualified\b|\bqualifies\b|\beligible\b|\beligibility\b|"
        r"\bwho (can|is allowed|gets|qualifies)\b|"
        # "can i go there", not "can i go after work" (hours)
        r"\bcan (i|anyone|anybody|everyone|we|my \w+) (go|use|get|attend|join|apply|come)\b"
        r"(?! (there )?(after|before|on|at|in the|tonight|today|tomorrow|this|next|late|early)\b)|"
        r"\brequirements?\b|\bcriteria\b|\bwho (is|are) (it|they|this|that|those) for\b|"
        r"\bfor who(m)?\b|\bold enough\b|\bage (limit|requirement|range)\b|\bhow old\b|"
        r"\ballowed\b|\bopen to (all|everyone|anyone|anybody|me)\b"),
    "cost": re.compile(
        r"\bcosts?\b|\bprices?\b|\bfees?\b|\bcharge\b|\bcharges\b|"
        # "is it free", "for free"; not "i'm free this weekend"
        r"\b(is|are|it|its|they|them|that|this|those|totally|completely|also|all)( \w+){0,2} "
        r"free\b(?! time)|\bfor free\b|^free$|"
        r"\b(have|need) to pay\b|\bpay (for|anything|money)\b|\btuition\b|\bexpensive\b|"
        r"\bafford\b|\bcheap\b"),
    # "who can apply" is about eligibility, "apply for a job" is not about a listing.
    "apply": re.compile(
        r"(?<!who can )\bapply\b(?! (for|to) (a |an |the )?(job|jobs|position|positions|work)\b)|"
        r"\bapplying\b|\bapplication\b|\bsign (me )?up\b|\bregister\b|\bregistration\b|"
        r"\benroll\b|\benrollment\b|\bget started\b|\bappointment\b|\bjoin\b"),
    "closest": re.compile(
        r"\bclosest\b|\bnearest\b|\bcloser\b|\bnearer\b|\bhow far\b|\bdistance\b|\bmiles\b|"
        r"\bclose to (me|my|home|here)\b|\bnear (me|my|here|home)\b|\bnearby\b"),
    "phone": re.compile(
        r"\bphone\b|\bnumber\b(?! (of|\d))|\bcall\b|\bcontact\b|\btelephone\b"),
    "address": re.compile(
        r"\baddress\b|\bwhere (is|are)\b(?! (a|an|some)\b)|\blocated\b|\blocation\b|"
        r"\bdirections\b|\bget (there|to (it|them))\b|\bwhat street\b|\bwhich street\b"),
    "website": re.compile(r"\bwebsite\b|\bweb site\b|\bsite\b|\burl\b|\blink\b"),
}

_ORDINALS: Dict[str, int] = {
    "first": 0, "1st": 0, "top": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
    "fourth": 3, "4th": 3, "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
    "last": -1, "bottom": -1,
}
_ORDINAL_WORDS = "|".join(_ORDINALS)
# "the second one", "the last", "2nd listing", "number 2": not "the last time", "first i ...".
_ORDINAL = re.compile(
    rf"\bthe (?P<after_the>{_ORDINAL_WORDS})\b(?! (?:time|week|month|year|day|night|job)\b)|"
    rf"\b(?P<before_noun>{_ORDINAL_WORDS}) "
    r"(?:one|listing|place|option|result|location|center|centre|link)\b|"
    r"\b(?:number|option) (?P<number>\d)\b")


def _stems(words: Sequence[str]) -> List[str]:
    """Words without a plural s, so "libraries"/"library" and "colleges"/"college" meet."""
    stems = []
    for word in words:
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
        stems.append(word)
    return stems


# Words of a question that say what is asked, never which listing: a listing named "Open Door"
# is not singled out by "are they open". Kept as stems, as name words are compared.
_QUESTION_WORDS = frozenset(_stems("""
    a an and any are at be can could do does for from get go have how i in is it its me my of on
    one or place places the their them there these they this those to what whats when where which
    who will with you your sample service services open opens closed close hours time free cost
    fees phone number call address website site apply sign up register enroll near far now today
    tomorrow tonight evening night weekend late work after eligible qualify
    cual cuales que los las del para con como hay tienen son""".split()))


def read_question(text: str, shown_names: Sequence[str]) -> Optional[ListingQuestion]:
    """What a follow-up asks about the listings shown (named `shown_names`, in the order shown);
    None when it asks none of DETAILS."""
    words = _normalised(text)
    about_hours = _about_hours(words)
    days, days_ahead = _days_asked(words) if about_hours else ((), None)
    found = set(detail for detail, pattern in _FIELD_PATTERNS.items() if pattern.search(words))
    if re.search(r"\bhow much\b", words) and not _SALARY.search(words):
        found.add("cost")
    if about_hours and _EVENING.search(words):
        found.add("evening")
    if days or days_ahead is not None:
        found.add("hours_day")
    if _OPEN_NOW.search(words) or (_HOURS_IN_GENERAL.search(words) and not
                                   found & {"hours_day", "evening"}):
        found.add("open_now")
    if not found:
        return None
    return ListingQuestion(details=tuple(d for d in DETAILS if d in found), days=days,
                           days_ahead=days_ahead, which=_which(words, shown_names))


def _normalised(text: str) -> str:
    """Lower-case words separated by single spaces, shorthand spelled out, day names spelled
    right, Spanish words read: "R they open Saturdy??" -> "are they open saturday"."""
    text = fold(text).replace("’", "'").replace("'", "").replace("#", " number ")
    for phrase, meaning in _SPANISH_PHRASES:
        text = re.sub(rf"\b{phrase}\b", meaning, text)
    words = []
    for word in re.findall(r"[a-z0-9]+", text):
        word = SHORTHAND.get(word) or SPANISH_WORDS.get(word, word)
        words.append(_day_spelled_right(word) or word)
    return " ".join(words)


def _day_spelled_right(word: str) -> Optional[str]:
    """The full weekday name a misspelt one stands for ("saturdy", "wensday", "thrusday")."""
    if len(word) < 5 or word in _DAY_INDEX:
        return None
    allowed = 2 if len(word) >= 7 else 1  # short words are near too many others
    for name in WEEKDAY_NAMES["en"]:
        if _edit_distance(word, name.lower()) <= allowed:
            return name.lower()
    return None


def _edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning a into b."""
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _about_hours(words: str) -> bool:
    """Whether days and times in the question are about opening hours."""
    tokens = words.split()
    if _SAID_OF_ONESELF.intersection(tokens) and not _ASKING_WORDS.intersection(tokens):
        return bool(_HOURS_CONTEXT.search(words))
    return bool(_HOURS_CONTEXT.search(words)) or all(
        word in _WHEN_WORDS or word in _FOLLOW_UP_WORDS or word in _SAID_OF_ONESELF
        or re.fullmatch(r"\d+(am|pm)?", word) for word in tokens)


def _days_asked(words: str) -> Tuple[Tuple[int, ...], Optional[int]]:
    """Weekdays named ("weekend": Saturday and Sunday), and "today"/"tomorrow"/"tonight" as
    days ahead."""
    tokens = words.split()
    days: List[int] = []
    for token in tokens:
        if token == "weekend":
            days += WEEKEND
        elif token in _DAY_INDEX:
            days.append(_DAY_INDEX[token])
    days_ahead = None
    if "today" in tokens or "tonight" in tokens:
        days_ahead = 0
    elif "tomorrow" in tokens:
        days_ahead = 1
    return tuple(dict.fromkeys(days)), days_ahead


def _which(words: str, shown_names: Sequence[str]) -> Optional[int]:
    """The shown listing singled out by position ("the 2nd one", "the last") or by a word only
    its name has ("the college", "meadowlark"); None when the question is about all of them."""
    if not shown_names:
        return None
    match = _ORDINAL.search(words)
    if match:
        word = match["after_the"] or match["before_noun"]
        index = _ORDINALS[word] if word else int(match["number"]) - 1
        if index == -1:
            return len(shown_names) - 1
        return index if 0 <= index < len(shown_names) else None
    named = {i for i, name in enumerate(shown_names)
             if _own_words(i, shown_names) & set(_stems(words.split()))}
    return named.pop() if len(named) == 1 else None


def _own_words(index: int, shown_names: Sequence[str]) -> Set[str]:
    """Words of one shown name that no other shown name has, question words aside."""
    def words_of(name: str) -> Set[str]:
        return {w for w in _stems(_normalised(name).split())
                if len(w) >= 3 and w not in _QUESTION_WORDS}
    others = set().union(*(words_of(n) for i, n in enumerate(shown_names) if i != index))
    return words_of(shown_names[index]) - others


# ---- answering ----------------------------------------------------------------------------------

HOURS_DETAILS = ("hours_day", "open_now", "evening")
EVENING_STARTS = 17 * 60  # "evening" and "after work": open after 5 pm

# Every sentence of an answer, by language (careerbot.language.LANGUAGES); the weekdays are
# WEEKDAY_NAMES. The directory's own words (hours given as text, eligibility, fees, how to apply)
# are quoted as written.
PHRASES: Dict[str, Dict[str, Any]] = {
    "en": {
        "not_in_directory": "I don't have the directory's details for that place. A counselor can "
                            "help you find out more.",
        # How the answer names a field the directory leaves empty ("doesn't list its fees").
        "missing": {"hours": "its hours", "eligibility": "who can use it", "cost": "its fees",
                    "apply": "how to apply", "phone": "a phone number", "address": "an address",
                    "website": "a website"},
        "field_labels": {"eligibility": "Eligibility", "cost": "Fees", "apply": "How to apply",
                         "phone": "Phone", "address": "Address", "website": "Website"},
        "not_listed": "The directory doesn't list {fields}; {how}.",
        "last_not_listed": " or ",                  # "its hours, a phone number or an address"
        "call_or_check": "call them at {phone} or check {website} to ask",
        "call": "call them at {phone} to ask",
        "check": "check {website} to ask",
        "ask_counselor": "ask a counselor",
        "no_distances": "I can't tell how far they are from you without knowing where you are.",
        "away": "{title} is {miles} away.",
        "closest": "The closest is {title}, {miles} away",
        "then": "; then {others}",
        # The dates asked: a weekday named, today, tomorrow; and their evenings.
        "on_day": "on {day}", "on_day_evening": "on {day} evening",
        "today": "today ({day})", "today_evening": "this evening ({day})",
        "tomorrow": "tomorrow ({day})", "tomorrow_evening": "tomorrow evening ({day})",
        "open_on": "Open {when}, {times}.",
        "times_and": " and ",                       # "10 am–noon and 6 pm–8 pm"
        "closed_on": "Closed {when}.",
        "whether_open_on": "whether it's open {when}",
        "open_now": "Open now.",
        "closed_now": "Closed now.",
        "whether_open_now": "whether it's open now",
        "open_evening": "Open in the evening: {hours}.",
        "not_open_evening": "Not open in the evening.",
        "whether_open_evening": "whether it's open in the evening",
        "hours": "Hours: {hours}.",
        "cannot_tell": "I can't tell {what}; its hours are listed as: {hours}.",
    },
    "es": {
        "not_in_directory": "No tengo los datos del directorio sobre ese lugar. Un consejero te "
                            "puede ayudar a saber más.",
        "missing": {"hours": "su horario", "eligibility": "quién puede ir", "cost": "cuánto cuesta",
                    "apply": "cómo inscribirse", "phone": "su teléfono", "address": "su dirección",
                    "website": "su sitio web"},
        "field_labels": {"eligibility": "Requisitos", "cost": "Costo", "apply": "Cómo inscribirse",
                         "phone": "Teléfono", "address": "Dirección", "website": "Sitio web"},
        "not_listed": "El directorio no incluye {fields}; {how}.",
        "last_not_listed": " ni ",                  # "su horario, su teléfono ni su dirección"
        "call_or_check": "llámalos al {phone} o visita {website} para preguntar",
        "call": "llámalos al {phone} para preguntar",
        "check": "visita {website} para preguntar",
        "ask_counselor": "pregúntale a un consejero",
        "no_distances": "No puedo saber a qué distancia están de ti si no sé dónde estás.",
        "away": "{title} está a {miles}.",
        "closest": "El más cercano es {title}, a {miles}",
        "then": "; después, {others}",
        "on_day": "el {day}", "on_day_evening": "el {day} por la noche",
        "today": "hoy ({day})", "today_evening": "esta noche ({day})",
        "tomorrow": "mañana ({day})", "tomorrow_evening": "mañana por la noche ({day})",
        "open_on": "Abierto {when}, {times}.",
        "times_and": " y ",
        "closed_on": "Cerrado {when}.",
        "whether_open_on": "si abre {when}",
        "open_now": "Abierto ahora.",
        "closed_now": "Cerrado ahora.",
        "whether_open_now": "si está abierto ahora",
        "open_evening": "Abierto por la noche: {hours}.",
        "not_open_evening": "No abre por la noche.",
        "whether_open_evening": "si abre por la noche",
        "hours": "Horario: {hours}.",
        "cannot_tell": "No puedo saber {what}; su horario dice: {hours}.",
    },
}

NOT_IN_DIRECTORY = PHRASES[DEFAULT_LANGUAGE]["not_in_directory"]


def answer(question: ListingQuestion, listings: Sequence[Listing], now: datetime,
           language: str = DEFAULT_LANGUAGE) -> str:
    """A short plain-text answer from the directory fields of `listings`: the listings shown, in
    the order shown (so that `question.which` points into them). `now` is an aware datetime;
    `language` the conversation's."""
    if question.which is not None:
        concerned = list(listings[question.which:question.which + 1])
    else:
        concerned = list(listings)
    if not concerned:
        return PHRASES[language]["not_in_directory"]
    lines = []
    per_listing = [d for d in question.details if d != "closest"]
    if "closest" in question.details:
        closest, measured = _closest_line(concerned, language)
        lines.append(closest)
        if not measured and "address" not in per_listing:
            per_listing.append("address")  # without distances, where they are helps judge
    if per_listing:
        for listing in concerned:
            reply = _ListingReply(listing, _local_now(listing, now), language)
            reply.tell(question, per_listing)
            lines.append(reply.text())
    return "\n".join(lines)


def _closest_line(concerned: Sequence[Listing], language: str) -> Tuple[str, bool]:
    """Who is nearest, from the distances the listings carry; and whether any had one."""
    phrases = PHRASES[language]
    measured = sorted((x for x in concerned if x.distance_miles is not None),
                      key=lambda x: x.distance_miles)
    if not measured:
        return phrases["no_distances"], False
    first, rest = measured[0], measured[1:]
    title, distance = listing_title(first, language), miles(first.distance_miles, language)
    if len(concerned) == 1:
        return phrases["away"].format(title=title, miles=distance), True
    line = phrases["closest"].format(title=title, miles=distance)
    if rest:
        line += phrases["then"].format(others=", ".join(
            f"{listing_title(x, language)} ({miles(x.distance_miles, language)})" for x in rest))
    return line + ".", True


@dataclass
class _ListingReply:
    """The answer about one listing, sentence by sentence."""

    listing: Listing
    now: datetime  # in the listing's own time zone when known
    language: str = DEFAULT_LANGUAGE
    sentences: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # fields asked for and not listed
    hours_needed: bool = False  # a "closed" answer is followed by the hours, once

    @property
    def phrases(self) -> Dict[str, Any]:
        return PHRASES[self.language]

    @property
    def hours(self) -> Optional[str]:
        """The listing's hours line, in the conversation's language."""
        return listing_hours(self.listing, self.language)

    def tell(self, question: ListingQuestion, details: Sequence[str]) -> None:
        if "hours_day" in details:
            for day, kind in _dates_asked(question, self.now.date()):
                self._day(day, kind, evening_only="evening" in details)
        if "open_now" in details:
            self._open_now()
        if "evening" in details and "hours_day" not in details:  # else said for the day asked
            self._any_evening()
        if self.hours_needed:
            self.sentences.append(self.phrases["hours"].format(hours=self.hours))
        for detail in details:
            if detail not in HOURS_DETAILS:
                self._field(detail)

    def text(self) -> str:
        sentences = list(self.sentences)
        if self.missing:
            sentences.append(self.phrases["not_listed"].format(
                fields=_joined(self.missing, self.phrases["last_not_listed"]),
                how=_how_to_find_out(self.listing, self.language)))
        return f"{listing_title(self.listing, self.language)}: {' '.join(sentences)}"

    def _field(self, detail: str) -> None:
        value = {"eligibility": self.listing.eligibility, "cost": self.listing.fees,
                 "apply": self.listing.how_to_apply, "phone": self.listing.phone,
                 "address": self.listing.address, "website": self.listing.website}[detail]
        if value:
            self.sentences.append(f"{self.phrases['field_labels'][detail]}: {_sentence(value)}")
        else:
            self._missing(detail)

    def _day(self, day: date, kind: str, evening_only: bool) -> None:
        when = _when(day, kind, evening_only, self.language)
        timed = [rule for rule in self.listing.schedule if rule.has_times]
        occurs = [(rule, rule.occurs_on(day)) for rule in timed]
        that_day = [rule for rule, yes in occurs
                    if yes and (not evening_only or _runs_into_evening(rule))]
        if that_day:
            times = self.phrases["times_and"].join(
                _times_of_day(rule, day, self.language) for rule in that_day)
            self.sentences.append(self.phrases["open_on"].format(when=when, times=times))
        elif not timed or any(yes is None for _, yes in occurs):
            self._cannot_tell(self.phrases["whether_open_on"].format(when=when))
        else:
            self._closed(self.phrases["closed_on"].format(when=when))

    def _open_now(self) -> None:
        listing = self.listing
        state = (hours.open_now(listing.schedule, self.now, listing.time_zone)
                 if listing.schedule else listing.open_now)
        if state is None:
            self._cannot_tell(self.phrases["whether_open_now"])
        elif state:
            self.sentences.append(self.phrases["open_now"])
            self.hours_needed = bool(listing.hours)
        else:
            self._closed(self.phrases["closed_now"])

    def _any_evening(self) -> None:
        today = self.now.date()
        current = [rule for rule in self.listing.schedule
                   if not rule.valid_to or rule.valid_to >= today]
        evening = [rule for rule in current if rule.has_times and _runs_into_evening(rule)]
        if evening:
            self.sentences.append(self.phrases["open_evening"].format(
                hours=hours.hours_text(evening, self.language)))
        elif not current or any(not rule.has_times for rule in current):
            self._cannot_tell(self.phrases["whether_open_evening"])
        else:
            self._closed(self.phrases["not_open_evening"])

    def _closed(self, sentence: str) -> None:
        self.sentences.append(sentence)
        self.hours_needed = bool(self.listing.hours)

    def _cannot_tell(self, what: str) -> None:
        """When the rules cannot answer (none, none with times, or "every other week" without
        the start that fixes which weeks): the hours as the directory words them, if any."""
        if self.listing.hours:
            self.sentences.append(self.phrases["cannot_tell"].format(what=what, hours=self.hours))
        else:
            self._missing("hours")

    def _missing(self, detail: str) -> None:
        named = self.phrases["missing"][detail]
        if named not in self.missing:
            self.missing.append(named)


def _how_to_find_out(listing: Listing, language: str) -> str:
    """Where to ask about what the directory leaves out: the listing's own contacts first."""
    phrases = PHRASES[language]
    if listing.phone and listing.website:
        return phrases["call_or_check"].format(phone=listing.phone, website=listing.website)
    if listing.phone:
        return phrases["call"].format(phone=listing.phone)
    if listing.website:
        return phrases["check"].format(website=listing.website)
    return phrases["ask_counselor"]


# ---- hours --------------------------------------------------------------------------------------

def _local_now(listing: Listing, now: datetime) -> datetime:
    """`now` where the listing is, so "today" and "Saturday" are its days."""
    if listing.time_zone:
        try:
            return now.astimezone(ZoneInfo(listing.time_zone))
        except ZoneInfoNotFoundError:
            pass
    return now


def _dates_asked(question: ListingQuestion, today: date) -> List[Tuple[date, str]]:
    """The dates a question means, each with how it was asked ("on_day", "today", "tomorrow"):
    a weekday named is its next date, today included."""
    dates = [(today + timedelta(days=(day - today.weekday()) % 7), "on_day")
             for day in question.days]
    if question.days_ahead is not None:
        dates.append((today + timedelta(days=question.days_ahead),
                      ("today", "tomorrow")[question.days_ahead]))
    return dates


def _when(day: date, kind: str, evening: bool, language: str) -> str:
    """How an answer names a date asked (`kind` from _dates_asked): "on Saturday", "today
    (Wednesday)"; of its evening, "on Saturday evening", "this evening (Wednesday)"."""
    template = PHRASES[language][f"{kind}_evening" if evening else kind]
    return template.format(day=WEEKDAY_NAMES[language][day.weekday()])


def _times_of_day(rule: hours.ScheduleRule, day: date, language: str) -> str:
    """"10 am–noon": the rule's times, in the words of the hours line."""
    weekday = day.weekday()
    on_that_day = replace(rule, freq="WEEKLY", interval=1, days=((None, weekday),), monthdays=())
    return hours.hours_text([on_that_day], language).removeprefix(
        f"{hours.DAY_NAMES[language][weekday]} ")


def _runs_into_evening(rule: hours.ScheduleRule) -> bool:
    opens, closes = rule.opens.minutes, rule.closes.minutes
    return closes > EVENING_STARTS or opens >= EVENING_STARTS or closes <= opens  # or overnight


# ---- text ---------------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _joined(items: Sequence[str], last: str) -> str:
    """"a, b{last}c": `last` is " or " in English."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])}{last}{items[-1]}"
