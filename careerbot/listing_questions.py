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
counselor) as the way to find out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from careerbot.directory import hours
from careerbot.directory.format import listing_title, miles
from careerbot.directory.search import Listing

# What a question can ask about the listings shown.
DETAILS = ("hours_day", "open_now", "evening", "eligibility", "cost", "apply", "closest", "phone",
           "address", "website")

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
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

# Abbreviations of weekdays; misspellings of the full names are found by edit distance.
DAY_SPELLINGS: Dict[str, int] = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}
_DAY_INDEX: Dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
    **{name.lower() + "s": i for i, name in enumerate(WEEKDAY_NAMES)},
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
    "do does in at for of then also too so a an one ones".split())
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
    tomorrow tonight evening night weekend late work after eligible qualify""".split()))


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
    right: "R they open Saturdy??" -> "are they open saturday"."""
    text = text.lower().replace("’", "'").replace("'", "").replace("#", " number ")
    words = []
    for word in re.findall(r"[a-z0-9]+", text):
        word = SHORTHAND.get(word, word)
        words.append(_day_spelled_right(word) or word)
    return " ".join(words)


def _day_spelled_right(word: str) -> Optional[str]:
    """The full weekday name a misspelt one stands for ("saturdy", "wensday", "thrusday")."""
    if len(word) < 5 or word in _DAY_INDEX:
        return None
    allowed = 2 if len(word) >= 7 else 1  # short words are near too many others
    for name in WEEKDAY_NAMES:
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

# How the answer names a field the directory leaves empty ("doesn't list its fees").
_MISSING = {"hours": "its hours", "eligibility": "who can use it", "cost": "its fees",
            "apply": "how to apply", "phone": "a phone number", "address": "an address",
            "website": "a website"}
_FIELD_LABELS = {"eligibility": "Eligibility", "cost": "Fees", "apply": "How to apply",
                 "phone": "Phone", "address": "Address", "website": "Website"}

NOT_IN_DIRECTORY = ("I don't have the directory's details for that place. A counselor can help "
                    "you find out more.")


def answer(question: ListingQuestion, listings: Sequence[Listing], now: datetime) -> str:
    """A short plain-text answer from the directory fields of `listings`: the listings shown, in
    the order shown (so that `question.which` points into them). `now` is an aware datetime."""
    if question.which is not None:
        concerned = list(listings[question.which:question.which + 1])
    else:
        concerned = list(listings)
    if not concerned:
        return NOT_IN_DIRECTORY
    lines = []
    per_listing = [d for d in question.details if d != "closest"]
    if "closest" in question.details:
        closest, measured = _closest_line(concerned)
        lines.append(closest)
        if not measured and "address" not in per_listing:
            per_listing.append("address")  # without distances, where they are helps judge
    if per_listing:
        for listing in concerned:
            reply = _ListingReply(listing, _local_now(listing, now))
            reply.tell(question, per_listing)
            lines.append(reply.text())
    return "\n".join(lines)


def _closest_line(concerned: Sequence[Listing]) -> Tuple[str, bool]:
    """Who is nearest, from the distances the listings carry; and whether any had one."""
    measured = sorted((x for x in concerned if x.distance_miles is not None),
                      key=lambda x: x.distance_miles)
    if not measured:
        return "I can't tell how far they are from you without knowing where you are.", False
    first, rest = measured[0], measured[1:]
    if len(concerned) == 1:
        return f"{listing_title(first)} is {miles(first.distance_miles)} away.", True
    line = f"The closest is {listing_title(first)}, {miles(first.distance_miles)} away"
    if rest:
        line += "; then " + ", ".join(f"{listing_title(x)} ({miles(x.distance_miles)})" for x in rest)
    return line + ".", True


@dataclass
class _ListingReply:
    """The answer about one listing, sentence by sentence."""

    listing: Listing
    now: datetime  # in the listing's own time zone when known
    sentences: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # fields asked for and not listed
    hours_needed: bool = False  # a "closed" answer is followed by the hours, once

    def tell(self, question: ListingQuestion, details: Sequence[str]) -> None:
        if "hours_day" in details:
            for day, label in _dates_asked(question, self.now.date()):
                self._day(day, label, evening_only="evening" in details)
        if "open_now" in details:
            self._open_now()
        if "evening" in details and "hours_day" not in details:  # else said for the day asked
            self._any_evening()
        if self.hours_needed:
            self.sentences.append(f"Hours: {self.listing.hours}.")
        for detail in details:
            if detail not in HOURS_DETAILS:
                self._field(detail)

    def text(self) -> str:
        sentences = list(self.sentences)
        if self.missing:
            sentences.append(f"The directory doesn't list {_joined(self.missing)}; "
                             f"{_how_to_find_out(self.listing)}.")
        return f"{listing_title(self.listing)}: {' '.join(sentences)}"

    def _field(self, detail: str) -> None:
        value = {"eligibility": self.listing.eligibility, "cost": self.listing.fees,
                 "apply": self.listing.how_to_apply, "phone": self.listing.phone,
                 "address": self.listing.address, "website": self.listing.website}[detail]
        if value:
            self.sentences.append(f"{_FIELD_LABELS[detail]}: {_sentence(value)}")
        else:
            self._missing(detail)

    def _day(self, day: date, label: str, evening_only: bool) -> None:
        when = _evening_of(label) if evening_only else label
        timed = [rule for rule in self.listing.schedule if rule.has_times]
        occurs = [(rule, rule.occurs_on(day)) for rule in timed]
        that_day = [rule for rule, yes in occurs
                    if yes and (not evening_only or _runs_into_evening(rule))]
        if that_day:
            times = " and ".join(_times_of_day(rule, day) for rule in that_day)
            self.sentences.append(f"Open {when}, {times}.")
        elif not timed or any(yes is None for _, yes in occurs):
            self._cannot_tell(f"whether it's open {when}")
        else:
            self._closed(f"Closed {when}.")

    def _open_now(self) -> None:
        listing = self.listing
        state = (hours.open_now(listing.schedule, self.now, listing.time_zone)
                 if listing.schedule else listing.open_now)
        if state is None:
            self._cannot_tell("whether it's open now")
        elif state:
            self.sentences.append("Open now.")
            self.hours_needed = bool(listing.hours)
        else:
            self._closed("Closed now.")

    def _any_evening(self) -> None:
        today = self.now.date()
        current = [rule for rule in self.listing.schedule
                   if not rule.valid_to or rule.valid_to >= today]
        evening = [rule for rule in current if rule.has_times and _runs_into_evening(rule)]
        if evening:
            self.sentences.append(f"Open in the evening: {hours.hours_text(evening)}.")
        elif not current or any(not rule.has_times for rule in current):
            self._cannot_tell("whether it's open in the evening")
        else:
            self._closed("Not open in the evening.")

    def _closed(self, sentence: str) -> None:
        self.sentences.append(sentence)
        self.hours_needed = bool(self.listing.hours)

    def _cannot_tell(self, what: str) -> None:
        """When the rules cannot answer (none, none with times, or "every other week" without
        the start that fixes which weeks): the hours as the directory words them, if any."""
        if self.listing.hours:
            self.sentences.append(f"I can't tell {what}; its hours are listed as: "
                                  f"{self.listing.hours}.")
        else:
            self._missing("hours")

    def _missing(self, detail: str) -> None:
        if _MISSING[detail] not in self.missing:
            self.missing.append(_MISSING[detail])


def _how_to_find_out(listing: Listing) -> str:
    """Where to ask about what the directory leaves out: the listing's own contacts first."""
    if listing.phone and listing.website:
        return f"call them at {listing.phone} or check {listing.website} to ask"
    if listing.phone:
        return f"call them at {listing.phone} to ask"
    if listing.website:
        return f"check {listing.website} to ask"
    return "ask a counselor"


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
    """The dates a question means, each with how to say it ("on Saturday", "today (Wednesday)"):
    a weekday named is its next date, today included."""
    dates = [(today + timedelta(days=(day - today.weekday()) % 7), f"on {WEEKDAY_NAMES[day]}")
             for day in question.days]
    if question.days_ahead is not None:
        day = today + timedelta(days=question.days_ahead)
        word = ("today", "tomorrow")[question.days_ahead]
        dates.append((day, f"{word} ({WEEKDAY_NAMES[day.weekday()]})"))
    return dates


def _evening_of(label: str) -> str:
    """"on Saturday" -> "on Saturday evening", "today (Wednesday)" -> "this evening (Wednesday)"."""
    if label.startswith("today"):
        return "this evening" + label[len("today"):]
    if label.startswith("tomorrow"):
        return "tomorrow evening" + label[len("tomorrow"):]
    return f"{label} evening"


def _times_of_day(rule: hours.ScheduleRule, day: date) -> str:
    """"10 am–noon": the rule's times, in the words of the hours line."""
    weekday = day.weekday()
    on_that_day = replace(rule, freq="WEEKLY", interval=1, days=((None, weekday),), monthdays=())
    return hours.hours_text([on_that_day]).removeprefix(f"{hours.DAY_NAMES[weekday]} ")


def _runs_into_evening(rule: hours.ScheduleRule) -> bool:
    opens, closes = rule.opens.minutes, rule.closes.minutes
    return closes > EVENING_STARTS or opens >= EVENING_STARTS or closes <= opens  # or overnight


# ---- text ---------------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
