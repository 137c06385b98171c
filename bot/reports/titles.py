"""Names and titles of the consolidated report, derived from the plan data.

Nothing here is hard-coded to one province: the issuing bodies are the plan's issuer and the
consolidating unit of the reporting rules; the report's summary line is the plan's title turned
from UPPERCASE into sentence case, with the proper names the plan knows restored.
"""

from __future__ import annotations

import re
from datetime import date

from bot.digest import Digest, consolidation_rule, consolidator_ids
from bot.i18n import N_, Translator
from bot.plan import Agency, Plan

# Institutions and titles written with capitals in Vietnamese administrative prose.
_PROPER_PHRASES = (
    "Văn phòng Chính phủ",
    "Thủ tướng Chính phủ",
    "Chính phủ",
    "Quốc hội",
    "Hội đồng nhân dân",
    "Ủy ban nhân dân",
    "Đảng",
    "Thông báo",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Kế hoạch",
)
# After these titles comes a person's name: every word capitalised up to a function word.
_NAME_AFTER = ("Thủ tướng Chính phủ", "Chủ tịch", "Phó Thủ tướng", "Bộ trưởng")
_FUNCTION_WORDS = frozenset(
    {"tại", "về", "đối", "với", "của", "ngày", "trong", "khi", "và", "cho", "theo", "đã"}
)

SIGNATURE_TITLES: dict[str, str] = {
    "department": N_("DIRECTOR"),
    "board": N_("HEAD OF BOARD"),
    "office": N_("CHIEF OF OFFICE"),
    "district": N_("ON BEHALF OF THE PEOPLE'S COMMITTEE\nCHAIRMAN"),
    "province": N_("ON BEHALF OF THE PEOPLE'S COMMITTEE\nCHAIRMAN"),
}
DEFAULT_SIGNATURE_TITLE = N_("HEAD OF THE AGENCY")


def sentence_case(title: str, plan: Plan) -> str:
    """ "KẾ HOẠCH TRIỂN KHAI ... TỈNH TUYÊN QUANG" → "Kế hoạch triển khai ... tỉnh Tuyên Quang"."""
    if title != title.upper():
        return title  # already written in mixed case: keep the author's capitals
    words = title.split()
    lowered = [word if any(ch.isdigit() for ch in word) else word.lower() for word in words]
    text = " ".join(lowered)
    phrases = [*_PROPER_PHRASES, plan.info.province]
    for agency in plan.agencies:
        phrases.append(agency.name)
    # The plan's own kind of document leads the sentence ("Kế hoạch ...").
    for phrase in sorted(set(phrases), key=len, reverse=True):
        if not phrase:
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)")
        text = pattern.sub(phrase, text)
    # Abbreviations such as "38/TB-VPCP" keep their capitals (digits kept them above).
    for title_phrase in _NAME_AFTER:
        index = text.find(title_phrase + " ")
        while index != -1:
            start = index + len(title_phrase) + 1
            rest = text[start:].split(" ")
            named: list[str] = []
            for word in rest:
                if word in _FUNCTION_WORDS or not word.isalpha() or len(named) == 4:
                    break
                named.append(word[:1].upper() + word[1:])
            text = text[:start] + " ".join(named + rest[len(named) :])
            index = text.find(title_phrase + " ", start)
    return text[:1].upper() + text[1:]


def issuer(plan: Plan) -> Agency:
    """The plan's issuing body (UBND tỉnh): the parent body in the report header."""
    return plan.agency(plan.info.issuer)


def author(plan: Plan) -> Agency:
    """The consolidating unit that writes the report (Sở KH&ĐT); the issuer if none is named."""
    ids = consolidator_ids(plan)
    return plan.agency(ids[0]) if ids else issuer(plan)


def recipient(plan: Plan) -> Agency:
    """Whom the consolidated report goes to (the consolidation rule's ``to``)."""
    rule = consolidation_rule(plan)
    return plan.agency(rule.to) if rule is not None else issuer(plan)


def document_code(agency: Agency) -> str:
    """The issuing body's code in a document number: "Sở KH&ĐT" → "SKHĐT", "Sở Y tế" → "SYT"."""
    parts: list[str] = []
    for word in agency.short_name.split():
        letters = "".join(ch for ch in word if ch.isalnum())
        if not letters:
            continue
        capitals = sum(1 for ch in letters if ch.isupper())
        parts.append(letters.upper() if capitals >= 2 else letters[0].upper())
    return "".join(parts) or agency.id.upper()


def signature_title(agency: Agency, t: Translator) -> str:
    return t.gettext(SIGNATURE_TITLES.get(agency.kind, DEFAULT_SIGNATURE_TITLE))


def place_and_date(plan: Plan, day: date, t: Translator) -> str:
    """ "Tuyên Quang, ngày 22 tháng 3 năm 2021" (days below 10 and months below 3 take a 0)."""
    return t.gettext("{place}, {month}/{day}/{year}").format(
        place=plan.info.province,
        day=f"{day.day:02d}",
        month=f"{day.month:02d}" if day.month < 3 else str(day.month),
        year=day.year,
    )


def report_summary(digest: Digest, t: Translator) -> str:
    """ "Kết quả thực hiện Kế hoạch triển khai ... Quý I/2021"."""
    return t.gettext("Results of implementing the {plan}, {round}").format(
        plan=sentence_case(digest.plan.info.title, digest.plan), round=digest.round.label(t)
    )


def section_heading(digest: Digest, section: str, t: Translator, number: int) -> str:
    """ "1. Các nhiệm vụ chung (mục II.1 của Kế hoạch)"."""
    general = any(item.general for item in digest.items if item.section == section)
    template = (
        t.gettext("{number}. General tasks (section {section} of the plan)")
        if general
        else t.gettext("{number}. Tasks assigned to named units (section {section} of the plan)")
    )
    return template.format(number=number, section=section)
