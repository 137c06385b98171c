"""Who leads and who coordinates, read from one paragraph of a plan.

A paragraph is cut into clauses (at ";", ":" and sentence ends). In each clause:

- the *subject* is the run of agency names at its start, after an assigning word ("Giao",
  "Đề nghị", "Yêu cầu") or a person's title ("Giám đốc các Sở, Thủ trưởng các ban, ngành");
- the subject leads, unless its predicate starts (after adverbs such as "tích cực", "chủ động",
  "có trách nhiệm", "theo chức năng, nhiệm vụ") with "phối hợp" and no lead cue ("chủ trì",
  "là cơ quan đầu mối") came first: "Sở X chủ động phối hợp với Sở Y" makes X a coordinator
  (and Y, the lead it works with, a candidate lead), "Sở X chủ động, phối hợp với Sở Y" makes X
  the lead;
- a clause without a subject belongs to the subject before it (the previous clause, or a heading
  such as "Giao Sở Giao thông Vận tải:" / "1. Sở Y tế:" above the paragraph);
- the names listed right after "phối hợp (chặt chẽ) với" coordinate (when the subject leads);
  the list goes on over "và", commas and fillers ("liên quan", "của tỉnh") and stops at any
  other word, so recipients ("tham mưu Ủy ban nhân dân tỉnh", "báo cáo Bộ ...") are never
  taken for assignees; a name after "thuộc"/"của" is an owner, not an assignee;
- a run of names elsewhere that is followed by a lead cue ("..., Sở Nội vụ chủ trì") leads, one
  followed by a bare "phối hợp" coordinates.

The issuer and agencies above it (a ministry, in a provincial plan) are never assignees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.importer.lexicon import DASH, Lexicon, Mention, Phrases, Token, rules, tokenize

__all__ = ["ClauseRole", "ParagraphRoles", "RoleReader", "plural"]

# A fronted phrase before the subject: at most this many comma-separated parts and tokens.
_FRONTED_CHUNKS = 3
_FRONTED_LIMIT = 40
# A ":" at most this many tokens after "phối hợp với" opens the partners' list.
_PARTNER_LABEL = 8
# ... and after a fronted phrase of purpose or time ("Để …", "Trong thời gian …").
_LONG_FRONTED_CHUNKS = 10
_LONG_FRONTED_LIMIT = 90


@dataclass(frozen=True)
class ClauseRole:
    """One agency in one role, with the clause it was read from."""

    mention: Mention
    role: str  # "lead" | "coordinate" | "candidate"
    quote: str
    confidence: float
    explicit: bool


@dataclass
class ParagraphRoles:
    roles: list[ClauseRole] = field(default_factory=list)
    context: list[Mention] = field(default_factory=list)
    heading_only: bool = False

    def with_role(self, role: str) -> list[ClauseRole]:
        return [r for r in self.roles if r.role == role]

    @property
    def own_leads(self) -> list[ClauseRole]:
        return [r for r in self.roles if r.role == "lead" and r.explicit]


class RoleReader:
    def __init__(self, lexicon: Lexicon, excluded: Callable[[Mention], bool]) -> None:
        table = rules()
        self.lexicon = lexicon
        self.excluded = excluded
        self.lead_cues = Phrases(table["lead_cues"])
        self.coordinate_cues = Phrases(table["coordinate_cues"])
        self.adverbs = Phrases(table["adverbs"])
        self.prefixes = Phrases(table["assign_prefixes"])
        self.persons = Phrases(table["person_titles"])
        self.separators = Phrases(table["list_separators"])
        self.fillers = Phrases(table["list_fillers"])
        self.owners = Phrases(table["owner_words"])
        self.fronted = Phrases(table["fronted_phrases"])
        self.membership = Phrases(table["membership_words"])
        self.assigning = Phrases(table["assigning_verbs"])
        self.non_task = Phrases(table["non_task_verbs"])
        self.partner_cues = Phrases(table["partner_cues"])
        self.task_verbs = Phrases(table["task_verbs"])
        self.directing = Phrases(table["directing_verbs"])
        self.directed_fillers = Phrases(table["directed_fillers"])
        self.described_by = Phrases(table["described_by"])
        self.helping_words = Phrases(table["helping_words"])
        self.recipients = Phrases(table["recipient_cues"])
        self.cited = Phrases(table["cited_after"]["phrases"])
        self.going_on = Phrases(table["going_on_adverbs"]["phrases"])

    def _after_membership(self, tokens: Sequence[Token], first: int) -> bool:
        return ":" in tokens[first].gap and _ends_with(tokens, first, self.membership)

    def mentions(self, text: str) -> tuple[list[Token], list[Mention]]:
        tokens = tokenize(text)
        return tokens, self.lexicon.mentions(text, tokens)

    def read(self, text: str, inherited: Sequence[Mention] = ()) -> ParagraphRoles:
        tokens, mentions = self.mentions(text)
        at = {m.first: m for m in mentions}
        result = ParagraphRoles()
        subject: list[Mention] = list(inherited)
        explicit_subject = False
        # Where the run of heading clauses from the paragraph's start ends: "Thủ trưởng các
        # sở, ban, ngành; Chủ tịch UBND các xã" is one heading naming both.
        headings_end = 0
        before = previous = 0
        for first, last in _clauses(tokens, self.partner_cues):
            # Whether the clause before this one named anyone in a role or opened with a name.
            gave_before = not first or len(result.roles) > before or previous in at
            before, previous = len(result.roles), first
            if first and self._after_membership(tokens, first):
                # "Thành phần của Tổ gồm: Bộ A, Bộ B": members, not assignees.
                continue
            clause = _Clause(self, text, tokens, at, first, last, may_head=first == headings_end)
            if first and not gave_before and clause.bare_list():
                # "Thành lập Ban X cấp quân khu; Ban X cấp tỉnh theo quy định.", "… gồm Sở A, Sở
                # B. Sở C, Sở D;": names without a predicate after a clause that gave no
                # work go on listing what that clause listed.
                continue
            if subject and clause.directs_a_unit():
                # "Công an tỉnh bố trí ...; chỉ đạo Công an các huyện phối hợp với Sở Y ...":
                # the units the lead directs are its own, not more assignees of this task (the
                # lead written in the clause before or in the heading above: "2.13. UBND xã" /
                # "d) Chỉ đạo các ban, ngành, đoàn thể phối hợp …"); Sở Y, their partner, is
                # the lead's partner.
                if clause.skip_directed():
                    for listed in clause.lists():
                        result.roles.extend(clause.make(listed, "coordinate", 0.85, explicit=True))
                continue
            own = clause.subject()
            if clause.heading_only:
                heads = [*subject, *own] if first else own
                subject, explicit_subject = heads, True
                result.context = [m for m in heads if not self.excluded(m)]
                headings_end = last
                if last == len(tokens):
                    result.heading_only = True
                result.roles.extend(clause.make(own, "lead", 0.9, explicit=True))
                continue
            if own:
                subject, explicit_subject = own, True
                role = clause.subject_role()
                if role == "none":
                    continue
                result.roles.extend(
                    clause.make(own, role, 0.9 if clause.cued else 0.8, explicit=True)
                )
            else:
                role = "lead"
            list_role = "candidate" if own and role == "coordinate" else "coordinate"
            if not own and subject and not explicit_subject:
                result.roles.extend(clause.make(subject, "lead", 0.85, explicit=False))
            for listed in clause.lists():
                result.roles.extend(clause.make(listed, list_role, 0.9, explicit=True))
            for run, run_role in clause.cued_runs():
                result.roles.extend(clause.make(run, run_role, 0.85, explicit=True))
        return result


def plural(mention: Mention) -> bool:
    """Whether a name stands for many bodies or none in particular: a group ("các sở, ban,
    ngành", "UBND cấp xã"), a plural ("các đơn vị điện lực") or a vague phrase."""
    candidate = mention.candidate
    return (
        candidate.kind == "vague"
        or candidate.concept is not None
        or candidate.agency_kind == "group"
        or mention.text.lower().startswith("các ")
    )


def _ends_with(tokens: Sequence[Token], end: int, phrases: Phrases) -> bool:
    return any(phrases.match(tokens, start) == end - start for start in range(max(0, end - 3), end))


def _clauses(tokens: Sequence[Token], partners: Phrases) -> list[tuple[int, int]]:
    """Token ranges of the clauses: cut where the gap holds ";", ":" or a sentence end; not at
    the ":" that opens the partners' list ("phối hợp với các cơ quan chức năng: Sở Y tế, …")."""
    ranges: list[tuple[int, int]] = []
    start = 0
    cue = -_PARTNER_LABEL
    for index, token in enumerate(tokens):
        if partners.match(tokens, index):
            cue = index
        if index == start:
            continue
        gap = token.gap
        if ":" in gap and ";" not in gap and index - cue <= _PARTNER_LABEL:
            continue
        if ";" in gap or ":" in gap or ("." in gap and gap.rstrip() != gap):
            ranges.append((start, index))
            start = index
    if start < len(tokens):
        ranges.append((start, len(tokens)))
    return ranges


class _Clause:
    def __init__(
        self,
        reader: RoleReader,
        text: str,
        tokens: Sequence[Token],
        at: dict[int, Mention],
        first: int,
        last: int,
        *,
        may_head: bool = False,
    ) -> None:
        self.r = reader
        self.may_head = may_head
        self.text = text
        self.tokens = tokens
        self.at = at
        self.first = first
        self.last = last
        self.subject_end = first
        self.heading_only = False
        self.cued = False
        self.consumed: set[int] = set()

    @property
    def quote(self) -> str:
        if self.first >= self.last:
            return ""
        start = self.tokens[self.first].start
        end = self.tokens[self.last - 1].end
        closing = self.text[end : end + 1]
        if closing in ".)":
            end += 1
        return self.text[start:end].strip()

    def _match(self, phrases: Phrases, index: int) -> int:
        if index >= self.last:
            return 0
        size = phrases.match(self.tokens, index)
        return size if index + size <= self.last else 0

    def subject(self) -> list[Mention]:
        found = self._subject_from(self._after_fronted(self.first))
        if found:
            return found
        for start in self._chunk_starts():
            # "Theo đó, trong thời gian từ ... đến ngày 15/3, Công an tỉnh bố trí ...": fronted
            # phrases that name no agency, then the subject after a comma.
            self.consumed.clear()
            found = self._subject_from(start)
            if found and (self._predicate_starts(self.subject_end) or self._verb_after_fronted()):
                return found
        self.consumed.clear()
        return self._subject_from(self._after_fronted(self.first))

    def _verb_after_fronted(self) -> bool:
        """ "Trên cơ sở các Nghị định …, phân quyền, các Bộ thực hiện rà soát …": after a
        fronted phrase (rules: ``fronted_phrases``) the names after a comma are the subject
        when a word in lower case follows them."""
        index = self.subject_end
        return (
            bool(self._match(self.r.fronted, self.first))
            and index < self.last
            and not self.tokens[index].capitalised
            and not self.tokens[index].comma_before
        )

    def directs_a_unit(self) -> bool:
        """Whether the clause starts with a directing verb and an agency ("chỉ đạo X ...")."""
        size = self._match(self.r.directing, self.first)
        if not size:
            return False
        index = self.first + size
        if index not in self.at:
            # "Chỉ đạo các Ban Quản lý dự án …", "Chỉ đạo lực lượng X …".
            index += self._match(self.r.directed_fillers, index) or self._fillers(index)
        mention = self.at.get(index)
        return mention is not None and mention.candidate.kind != "vague"

    def bare_list(self) -> bool:
        """Whether the clause, cut from the one before at ";" or a full stop, opens with names
        and says nothing they do (no verb or cue of a task after them)."""
        gap = self.tokens[self.first].gap
        if ":" in gap or self.first not in self.at:
            return False
        found = self._subject_from(self.first)
        self.consumed.clear()
        if not found:
            return False
        return not any(
            self._predicate_starts(index) for index in range(self.subject_end, self.last)
        )

    def skip_directed(self) -> bool:
        """Start the clause's predicate after the directing verb and the units it directs;
        whether a coordinating cue follows them at once ("chỉ đạo X phối hợp với Y": Y is
        the partner; not "chỉ đạo X huy động lực lượng Z phối hợp với Y", Z's partner)."""
        index = self.first + self._match(self.r.directing, self.first)
        if index not in self.at:
            index += self._match(self.r.directed_fillers, index) or self._fillers(index)
        directed, index = self._run(index)
        self.consumed.update(mention.first for mention in directed)
        self.subject_end = index
        while self._match(self.r.adverbs, index):
            # "chỉ đạo các ban, ngành chủ động, tích cực phối hợp với …".
            index += self._match(self.r.adverbs, index)
        return bool(self._match(self.r.coordinate_cues, index))

    def _predicate_starts(self, index: int) -> bool:
        """Whether a verb phrase of a task starts at ``index`` ("bố trí", "chủ trì", ...)."""
        return any(
            self._match(phrases, index)
            for phrases in (
                self.r.lead_cues,
                self.r.adverbs,
                self.r.coordinate_cues,
                self.r.task_verbs,
                self.r.directing,
            )
        )

    def _chunk_starts(self) -> list[int]:
        """Token positions after the first commas of the clause, up to its first agency name.

        A clause that opens with a fronted phrase ("Để thực hiện …, trong thời gian …, Sở X
        chỉ đạo …") may put many more commas before its subject than one that does not."""
        starts: list[int] = []
        if self.first in self.at:
            return starts
        chunks, limit = _FRONTED_CHUNKS, _FRONTED_LIMIT
        if self._match(self.r.fronted, self.first):
            chunks, limit = _LONG_FRONTED_CHUNKS, _LONG_FRONTED_LIMIT
        for position in range(self.first + 1, min(self.last, self.first + limit)):
            if (
                "," in self.tokens[position].gap or self._after_then(position)
            ) and not self._in_brackets(position):
                # "…, nếu không có khiếu nại, phản ánh thì Ủy ban nhân dân cấp xã trả kết quả".
                starts.append(position)
            if (position in self.at and not self._cited(position)) or len(starts) == chunks:
                break
        return starts

    def _after_then(self, position: int) -> bool:
        """Whether the word before ``position`` is "thì" ("nếu …, thì X …": X is the subject)."""
        before = self.tokens[position - 1]
        return self.text[before.start : before.end].lower() == "thì"

    def _in_brackets(self, position: int) -> bool:
        """Whether the token at ``position`` is inside "( … )" opened in the clause."""
        depth = 0
        for index in range(self.first, position + 1):
            gap = self.tokens[index].gap
            depth = max(0, depth + gap.count("(") - gap.count(")"))
        return depth > 0

    def _cited(self, position: int) -> bool:
        """Whether the name at ``position``, inside a fronted phrase, is only cited: in
        brackets ("(danh mục theo Báo cáo số … của Bộ Nội vụ gửi kèm)"), owning a document
        ("Trên cơ sở các Nghị định của Chính phủ, …") or sending it ("sau khi nhận được kết quả
        từ Phòng X, …"; rules: ``cited_after``); the subject comes after."""
        return self._in_brackets(position) or _ends_with(self.tokens, position, self.r.cited)

    def _subject_from(self, index: int) -> list[Mention]:
        while index < self.last:
            mention = self.at.get(index)
            if mention is not None:
                after = mention.last
                if self.r.excluded(mention) and after < self.last:
                    size = self._match(self.r.prefixes, after)
                    if size:
                        index = after + size
                        continue
                break
            size = self._match(self.r.prefixes, index) or self._match(self.r.persons, index)
            if size:
                index += size
                continue
            break
        found: list[Mention] = []
        while index < self.last:
            mention = self.at.get(index)
            if mention is not None and mention.last <= self.last:
                found.append(mention)
                self.consumed.add(mention.first)
                index = mention.last
                continue
            size = self._match(self.r.persons, index)
            if not size and found:
                size = self._match(self.r.separators, index) or self._fillers(index)
            if size:
                index += size
                continue
            break
        self.subject_end = index
        useful = [m for m in found if not self.r.excluded(m)]
        if found and not useful:
            # "Ủy ban nhân dân tỉnh ban hành ...", "Các cơ quan, đơn vị ...": no assignee.
            return []
        if useful and index >= self.last and self.may_head:
            self.heading_only = True
        return found

    def _after_fronted(self, index: int) -> int:
        """Skip a fronted phrase ("Đối với những vấn đề ..., Bộ X ...") up to its comma."""
        if not self._match(self.r.fronted, index):
            return index
        for position in range(index + 1, self.last):
            if "," in self.tokens[position].gap and not self._in_brackets(position):
                return position
            if position in self.at and not self._cited(position):
                return index
        return index

    def _fillers(self, index: int) -> int:
        # A filler never swallows the start of a cue ("có trách nhiệm", "phối hợp").
        if self._match(self.r.adverbs, index) or self._match(self.r.lead_cues, index):
            return 0
        return self._match(self.r.fillers, index)

    def subject_role(self) -> str:
        index = self.subject_end
        lead_cue = adverb = False
        if self._match(self.r.non_task, index):
            return "none"
        while index < self.last:
            size = self._match(self.r.lead_cues, index)
            if size:
                lead_cue = self.cued = True
                index += size
                continue
            size = self._match(self.r.adverbs, index)
            if size:
                # "tiếp tục phối hợp với Y rà soát …": going on with the work, not helping Y.
                adverb = adverb or not self._match(self.r.going_on, index)
                index += size
                continue
            size = self._match(self.r.coordinate_cues, index)
            if size:
                self.cued = True
                if lead_cue or self.tokens[index].comma_before:
                    return "lead"
                partners = self._list_mentions(index + size)
                if partners and all(plural(m) for m in partners):
                    # "Sở X chủ động phối hợp các đơn vị liên quan rà soát ...", "Sở X có nhiệm
                    # vụ phối hợp với các sở, ban, ngành, UBND cấp xã kiểm tra …": nobody else
                    # is named to lead, so the subject does the work.
                    return "lead"
                if adverb or not (self._match(self.r.partner_cues, index) or partners):
                    # "Sở X chủ động phối hợp với Sở Y", "Sở X, Sở Y phối hợp triển khai"; not
                    # "Sở X phối hợp Sở Y, Sở Z tham mưu …", the partners named after the cue.
                    return "coordinate"
                after = self._list_end(index + size)
                if after == index + size or self._match(self.r.helping_words, after):
                    # "Sở X phối hợp với Sở Y trong việc ...": X helps Y with Y's work.
                    return "coordinate"
                # "Báo X, Đài Y phối hợp với Sở Z thực hiện ...": the subject does the work.
                return "lead"
            break
        return "lead"

    def _run(self, index: int) -> tuple[list[Mention], int]:
        """The names of the run (names with separators and fillers) starting at ``index``, and
        where the walk over it stopped."""
        found: list[Mention] = []
        while index < self.last:
            mention = self.at.get(index)
            if mention is not None and mention.last <= self.last:
                found.append(mention)
                index = mention.last
                continue
            size = self._match(self.r.separators, index) or self._fillers(index)
            if not size:
                break
            index += size
        return found, index

    def _list_mentions(self, index: int) -> list[Mention]:
        """The names of the run (with separators and fillers) starting at ``index``."""
        return self._run(index)[0]

    def _list_end(self, index: int) -> int:
        """Where the run of names (with separators and fillers) starting at ``index`` ends
        (``index`` itself when it names nobody)."""
        found, end = self._run(index)
        return end if found else index

    def lists(self) -> list[list[Mention]]:
        found: list[list[Mention]] = []
        index = self.subject_end
        while index < self.last:
            size = self._match(self.r.coordinate_cues, index)
            if not size:
                index += 1
                continue
            index += size
            listed: list[Mention] = []
            owner = False
            while index < self.last:
                mention = self.at.get(index)
                if mention is not None and mention.last <= self.last:
                    if not owner:
                        listed.append(mention)
                    self.consumed.add(mention.first)
                    owner = False
                    index = mention.last
                    continue
                size = self._match(self.r.owners, index)
                if size:
                    owner = True
                    index += size
                    continue
                # "phối hợp với Giám đốc Sở X": the agency the person heads.
                size = (
                    self._match(self.r.separators, index)
                    or self._fillers(index)
                    or self._match(self.r.persons, index)
                )
                if size:
                    index += size
                    continue
                label = self._list_label_end(index)
                if listed and label:
                    # "phối hợp với các cơ quan chức năng: Sở Y tế, …": the names after the
                    # label are the partners.
                    index = label
                    continue
                break
            listed = [m for m in listed if not self._owned_above(m)]
            if listed:
                found.append(listed)
        return found

    def _list_label_end(self, index: int) -> int:
        """Where the names start after a short label closed by ":" at ``index`` ("… chức
        năng: Sở Y tế"), or 0."""
        for position in range(index + 1, min(self.last, index + 3)):
            if ":" in self.tokens[position].gap:
                return position
            if any(mark in self.tokens[position].gap for mark in ",;."):
                return 0
        return 0

    def _owned_above(self, mention: Mention) -> bool:
        """ "Ban Quản lý dự án 85 - Bộ GTVT": a unit of an agency that is not an assignee
        (a ministry, in a provincial plan) is not one either."""
        owner = self.at.get(mention.last)
        return (
            owner is not None
            and bool(DASH.search(self.tokens[owner.first].gap))
            and self.r.excluded(owner)
        )

    def cued_runs(self) -> list[tuple[list[Mention], str]]:
        found: list[tuple[list[Mention], str]] = []
        index = self.subject_end
        run: list[Mention] = []
        run_start = index
        while index < self.last:
            mention = self.at.get(index)
            if mention is not None and mention.first not in self.consumed:
                if not run:
                    run_start = index
                run.append(mention)
                index = mention.last
                continue
            if run:
                size = self._match(self.r.separators, index)
                if size and index + size < self.last and (index + size) in self.at:
                    index += size
                    continue
                if run_start > self.first and _ends_with(self.tokens, run_start, self.r.recipients):
                    # "… gửi về Công an tỉnh, Cơ quan Thường trực …": who receives the work.
                    pass
                elif run_start > self.first and self._directed(run_start):
                    # "Chỉ đạo lực lượng X, Y phối hợp với Z …": the lead's own units, whom
                    # it directs; Z, their partner, is listed after the cue.
                    pass
                elif run_start > self.first and _ends_with(self.tokens, run_start, self.r.owners):
                    # "Căn cứ tình hình thực tế của địa phương, phối hợp với …": an owner.
                    pass
                elif run_start > self.first and (
                    (
                        self.tokens[run_start - 1].word == "do"
                        and not self._match(self.r.described_by, index)
                    )
                    or self._assigned(run_start)
                ):
                    # "... do Bộ Tài chính cấp", "công văn yêu cầu các sở triển khai"; not
                    # "sản phẩm do Ban X cung cấp", "văn bản do Bộ Y ban hành": what the body
                    # made or runs (rules: ``described_by``).
                    found.append((run, "lead"))
                elif self._match(self.r.lead_cues, index):
                    found.append((run, "lead"))
                else:
                    size = self._match(self.r.coordinate_cues, index)
                    next_word = index + size
                    if size and not (
                        next_word < self.last and self.tokens[next_word].word == "voi"
                    ):
                        found.append((run, "coordinate"))
                run = []
            index += 1
        return found

    def _directed(self, start: int) -> bool:
        """Whether a directing verb ("chỉ đạo"), with "lực lượng" or not, ends right before
        ``start``."""
        if _ends_with(self.tokens, start, self.r.directing):
            return True
        for size in (1, 2):
            before = start - size
            if (
                before > self.first
                and self.r.directed_fillers.match(self.tokens, before) == size
                and _ends_with(self.tokens, before, self.r.directing)
            ):
                return True
        return False

    def _assigned(self, start: int) -> bool:
        """Whether an assigning verb ("giao", "yêu cầu", "đề nghị") ends right before ``start``."""
        return _ends_with(self.tokens, start, self.r.assigning)

    def make(
        self, mentions: Sequence[Mention], role: str, confidence: float, *, explicit: bool
    ) -> list[ClauseRole]:
        return [
            ClauseRole(m, role, self.quote, round(confidence * m.candidate.confidence, 2), explicit)
            for m in mentions
            if not self.r.excluded(m)
        ]
