"""From a published plan file to a draft plan file: the importer's main flow.

:func:`import_plan` reads the file, finds the header, the outline and the task tables, reads
who leads and who coordinates each task, its deadline and the reporting rules of the
organisation section, matches every agency to the directory, and returns an
:class:`ImportResult` whose ``draft`` validates against ``data/plan_tasks.schema.json`` (it is
checked with :func:`bot.plan.parse_plan` before it is returned). Nothing is written here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.agencies import ALL_KINDS, AgencyDirectory
from bot.importer.lexicon import Candidate, Lexicon, Mention, Phrases, light_fold, rules, tokenize
from bot.importer.reader import Block, read_document
from bot.importer.roles import ClauseRole, ParagraphRoles, RoleReader, plural
from bot.importer.structure import Header, Node, body_blocks, outline, read_header, roman_value
from bot.importer.timing import Deadline, read_deadline, read_report_timing
from bot.plan import Agency, agency_to_dict, parse_plan
from bot.text import fold

__all__ = ["ImportResult", "ImportedTask", "NewAgency", "import_plan"]

_TITLE_LIMIT = 120
_SLUG_PART = re.compile(r"[^a-z0-9]+")
# Where a sentence may end inside an item: a full stop, then a space.
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=\S)")


@dataclass
class ImportedAssignment:
    agency: str
    role: str
    confidence: float
    quote: str


@dataclass
class ImportedTask:
    id: str
    parent: str | None
    section: str
    title: str
    text: str
    assignments: list[ImportedAssignment]
    deadline: Deadline | None = None
    warnings: list[str] = field(default_factory=list)
    origin: str = "text"
    container: bool = False
    table_group: bool = False

    @property
    def general(self) -> bool:
        return not self.assignments and not self.container

    def agencies(self, role: str) -> list[str]:
        return [a.agency for a in self.assignments if a.role == role]


@dataclass
class NewAgency:
    id: str
    name: str
    kind: str
    members: list[str]
    quote: str
    confidence: float
    suggestions: list[str]


@dataclass
class ImportResult:
    draft: dict[str, Any]
    tasks: list[ImportedTask]
    new_agencies: list[NewAgency]
    warnings: list[str]
    directory: AgencyDirectory

    def name_of(self, agency_id: str) -> str:
        found = self.directory.get(agency_id)
        if found is not None:
            return found.short_name
        for agency in self.new_agencies:
            if agency.id == agency_id:
                return agency.name
        return agency_id


def slug(text: str) -> str:
    return _SLUG_PART.sub("-", fold(text)).strip("-") or "x"


def import_plan(
    path: Path, directory_agencies: Sequence[Agency], *, timezone: str = "Asia/Ho_Chi_Minh"
) -> ImportResult:
    """Read ``path`` and build the draft plan (raises ``UnreadableFile``, ``NoPlanFound``)."""
    document = read_document(path)
    return _Importer(directory_agencies, timezone).run(path, list(document.blocks))


class NoPlanFound(Exception):
    """The file was read but holds no numbered tasks or task table."""


class _Importer:
    def __init__(self, agencies: Sequence[Agency], timezone: str) -> None:
        self.agencies = tuple(agencies)
        self.directory = AgencyDirectory(self.agencies)
        self.lexicon = Lexicon(self.directory)
        self.timezone = timezone
        table = rules()
        self.excluded_sections = [light_fold(t) for t in table["excluded_sections"]]
        self.org_sections = [light_fold(t) for t in table["organisation_sections"]]
        self.report_verbs = Phrases(table["report_verbs"])
        self.cc_cues = Phrases(table["cc_cues"])
        self.fillers = Phrases(table["list_fillers"])
        self.separators = Phrases(table["list_separators"])
        self.task_verbs = Phrases(table["task_verbs"])
        self.conditions = Phrases(table["condition_openers"])
        self.execution = Phrases(table["execution_phrases"])
        self.partner_cues = Phrases(table["partner_cues"])
        self.coordinate_cues = Phrases(table["coordinate_cues"])
        self.lead_cues = Phrases(table["lead_cues"])
        self.actors = Phrases(table["actor_heads"])
        self.duty_openers = Phrases(table["duty_openers"]["phrases"])
        self.owner_words = Phrases(table["owner_words"])
        self.field_labels: dict[str, list[str]] = {
            kind: [fold(cue) for cue in cues]
            for kind, cues in table["task_fields"].items()
            if not kind.startswith("_")
        }
        closing = table["closing_requests"]

        def either(phrases: Iterable[str]) -> str:
            return "|".join(re.escape(fold(p)) for p in phrases)

        self.closing_request = re.compile(
            rf"\b(?:{either(closing['verbs'])})\b.*\b(?:{either(closing['words'])})\b.*"
            rf"\b(?:{either(table['doc_types'])}) nay\b"
        )
        self.closing_words = re.compile(
            rf"^(?:{either(closing['verbs'])})\b.*\b(?:{either(closing['words'])})\b"
        )
        troubles = table["difficulty_reports"]
        self.difficulty_report = re.compile(
            rf"^(?:{either(troubles['openers'])})\b.*\b(?:{either(troubles['troubles'])})\b.*"
            rf"\b(?:{either(troubles['verbs'])})\b"
        )
        self.issuer: Agency | None = None
        self.issuer_level = "province"
        self.city_issuer = False
        self.city_names = {light_fold(t) for t in table["city_issuers"]["names"]}
        self.reader = RoleReader(self.lexicon, self._excluded)
        self.new: dict[str, NewAgency] = {}
        self.tasks: list[ImportedTask] = []
        self.rules: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ exclusions

    def _excluded(self, mention: Mention) -> bool:
        candidate = mention.candidate
        if candidate.kind == "vague":
            return True
        if self.city_issuer and light_fold(mention.text).strip() in self.city_names:
            # "Chủ tịch Ủy ban nhân dân thành phố quyết định …" in a text of Huế's (or Hà
            # Nội's …) committee or chairman: the issuer itself, not the seed's district city.
            return True
        if self.issuer_level == "province" and candidate.concept in ("ministries", "provinces"):
            return True
        if self.issuer is not None and candidate.agency_id == self.issuer.id:
            return True
        return self.issuer_level == "province" and candidate.agency_kind in (
            "ministry",
            "province",
        )

    # ------------------------------------------------------------------ agencies

    def agency_id(self, mention: Mention) -> str:
        candidate = self._level_candidate(mention)
        if candidate.kind == "agency" and candidate.agency_id is not None:
            return candidate.agency_id
        return self._new_agency(candidate, mention.text).id

    def _level_candidate(self, mention: Mention) -> Candidate:
        """ "các bộ, ngành, địa phương" in a central text: the localities are the provinces."""
        candidate = mention.candidate
        if (
            self.issuer_level == "central"
            and candidate.concept == "districts"
            and "dia phuong" in light_fold(mention.text)
        ):
            return self.lexicon.group_candidate("provinces") or candidate
        return candidate

    def _new_agency(self, candidate: Candidate, quote: str) -> NewAgency:
        key = fold(candidate.name)
        existing = self.new.get(key)
        if existing is not None:
            return existing
        found = self.directory.find(candidate.name, kinds=ALL_KINDS)
        if found is not None:
            # A generic name the directory knows after all ("Sở Tài chính tỉnh").
            agency = NewAgency(found.id, found.name, found.kind, [], quote, 1.0, [])
            self.new[key] = agency
            return agency
        base = slug(candidate.name)
        agency_id = base
        taken = {a.id for a in self.agencies} | {a.id for a in self.new.values()}
        number = 2
        while agency_id in taken:
            agency_id = f"{base}-{number}"
            number += 1
        kind = candidate.agency_kind if candidate.agency_kind in ALL_KINDS else "office"
        members: list[str] = []
        if kind == "group":
            members = self._group_members(candidate.concept)
            if not members:
                kind = "office"
        suggestions = [a.id for a in self.directory.suggest(candidate.name, kinds=ALL_KINDS)]
        agency = NewAgency(
            agency_id, candidate.name, kind, members, quote, candidate.confidence, suggestions
        )
        self.new[key] = agency
        return agency

    def _group_members(self, concept: str | None) -> list[str]:
        kinds: list[str] = []
        for group in rules()["groups"]:
            if group["concept"] == concept:
                kinds = group["member_kinds"]
        return [a.id for a in self.agencies if a.kind in kinds]

    # ------------------------------------------------------------------ flow

    def run(self, path: Path, blocks: list[Block]) -> ImportResult:
        paragraph_blocks = [i for i, b in enumerate(blocks) if not b.is_table]
        header = read_header([blocks[i].text for i in paragraph_blocks])
        start = (
            paragraph_blocks[header.body_start]
            if header.body_start < len(paragraph_blocks)
            else len(blocks)
        )
        self._find_issuer(header, [blocks[i].text for i in paragraph_blocks[:40]])
        root = outline(body_blocks(blocks[start:] if header.title else blocks))
        self._walk(root, "tasks", [], "")
        self._renumber()
        self._addressee_leads(self._addressee([blocks[i].text for i in paragraph_blocks[:40]]))
        if not self.tasks:
            raise NoPlanFound(str(path))
        draft = self._draft(path, header)
        parse_plan(draft, source=str(path))
        return ImportResult(
            draft, self.tasks, list(self._used_new()), self.warnings, self.directory
        )

    def _find_issuer(self, header: Header, first: list[str]) -> None:
        folded_issuer = light_fold(header.issuer_text)
        cities = rules()["city_issuers"]
        self.city_issuer = folded_issuer.startswith(
            tuple(light_fold(t) for t in cities["heads"])
        ) and any(light_fold(c) in folded_issuer for c in cities["cities"])
        texts = [header.issuer_text] if header.issuer_text else []
        texts += first
        for text in texts:
            tokens = tokenize(text)
            issues = text is header.issuer_text
            for mention in self.lexicon.mentions(text, tokens):
                candidate = mention.candidate
                # In the body only the subject of "... ban hành Kế hoạch" is the issuer.
                following = " ".join(t.word for t in tokens[mention.last : mention.last + 2])
                if not issues and following != "ban hanh":
                    continue
                if candidate.kind == "agency" and candidate.agency_kind in ("province", "ministry"):
                    self.issuer = self.directory.get(candidate.agency_id or "")
                    self.issuer_level = (
                        "central" if candidate.agency_kind == "ministry" else "province"
                    )
                    return
                if issues and candidate.kind == "new" and candidate.agency_kind == "ministry":
                    # A central body outside the directory ("ỦY BAN THƯỜNG VỤ QUỐC HỘI").
                    self.issuer_level = "central"
                    return
            folded = light_fold(text)
            central = tuple(light_fold(t) for t in rules()["central_issuers"])
            if text is header.issuer_text and folded.startswith(
                ("bo ", "thu tuong", "chinh phu", "van phong chinh phu", *central)
            ):
                # A ministry, the Government, or a national steering committee ("BAN CHỈ ĐẠO
                # QUỐC GIA VỀ …", rules: ``central_issuers``).
                self.issuer_level = "central"
                return
        if self._addressed_centrally(first) or self._spoken_by_government(first):
            # No header: "Thủ tướng giao Bộ ...", "Phó Thủ tướng ... Bộ Công Thương ...".
            self.issuer_level = "central"
            return
        provinces = [a for a in self.agencies if a.kind == "province"]
        if provinces:
            self.issuer = provinces[0]

    def _addressee(self, paragraphs: list[str]) -> list[Mention]:
        """ "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương": a letter to
        one body (or one group of bodies) asks it for the work its points give nobody else."""
        for text in paragraphs:
            head, colon, rest = text.partition(":")
            if not colon or light_fold(head).strip() != "kinh gui":
                continue
            _tokens, mentions = self.reader.mentions(rest)
            named = [m for m in mentions if not self._excluded(m)]
            if len(named) == 1:
                return named
            return []
        return []

    def _addressee_leads(self, addressee: list[Mention]) -> None:
        """A numbered point of a letter to one body that gives its work to nobody ("3. Tiếp
        tục rà soát, thống kê, sắp xếp … trụ sở, tài sản công …") is the addressee's; not a
        point that lists members ("Thành phần của Tổ gồm: …"), nor one under another."""
        if not addressee:
            return
        membership = Phrases(rules()["membership_words"])
        led = {t.id for t in self.tasks if any(a.role == "lead" for a in t.assignments)}
        for task in self.tasks:
            if task.container or task.origin != "text":
                continue
            parents = [".".join(task.id.split(".")[:n]) for n in range(1, task.id.count(".") + 1)]
            if any(parent in led for parent in parents):
                # "1. Sở X" over "1.1. Tiếp tục …": the point is the heading's.
                continue
            if any(a.role == "lead" for a in task.assignments):
                continue
            tokens = tokenize(task.text)
            if any(membership.match(tokens, index) for index in range(len(tokens))):
                continue
            mention = addressee[0]
            task.assignments.insert(
                0, ImportedAssignment(self.agency_id(mention), "lead", 0.7, mention.text)
            )

    def _addressed_centrally(self, paragraphs: list[str]) -> bool:
        """ "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ", "Kính gửi: Chủ tịch
        Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương": only a central body writes
        to the ministers or to every province (rules: ``central_recipients``)."""
        phrases = Phrases(rules()["central_recipients"]["phrases"])
        for text in paragraphs:
            head, colon, rest = text.partition(":")
            if not colon or light_fold(head).strip() != "kinh gui":
                continue
            tokens = tokenize(rest)
            return any(phrases.match(tokens, index) for index in range(len(tokens)))
        return False

    def _spoken_by_government(self, paragraphs: list[str]) -> bool:
        table = rules()
        central = Phrases(table["central_cues"])
        provincial = Phrases(table["provincial_cues"])
        seen_central = False
        for text in paragraphs:
            tokens = tokenize(text)
            for index in range(len(tokens)):
                if provincial.match(tokens, index):
                    return False
                if central.match(tokens, index):
                    seen_central = True
        return seen_central

    def _section_mode(self, text: str, mode: str) -> str:
        folded = light_fold(text).strip()
        if any(folded.startswith(cue) for cue in rules()["appendix_markers"]):
            return "tasks"
        if any(folded.startswith(cue) for cue in self.org_sections):
            return "organisation"
        if any(folded.startswith(cue) for cue in self.excluded_sections):
            return "excluded"
        return mode

    def _walk(self, node: Node, mode: str, context: list[Mention], section: str) -> None:
        if mode == "tasks" and not node.items and node.kind in ("root", "section"):
            self._paragraph_tasks(node, section or "I")
        for child in node.children:
            if child.kind == "section":
                # A Roman section under a lettered part ("D. TỔ CHỨC THỰC HIỆN") is in its
                # part's mode unless its own title says otherwise.
                child_mode = self._section_mode(child.rest, mode if node.part else "tasks")
                if child_mode != "excluded" and self._field_outline(child):
                    self._outline_task(child, child_mode, child.label)
                    continue
                self._walk(child, child_mode, [], child.label)
            elif child.kind == "table":
                if mode != "excluded":
                    self._table(child, section or "I")
            elif child.kind == "item":
                if child.items:
                    self._walk_item(child, mode, context, section)
                else:
                    self._leaf(child, self._leaf_mode(child, mode), context, section or "I")
            elif child.kind == "para" and mode == "organisation" and node.kind == "section":
                self._reporting([child.rest])

    def _walk_item(self, child: Node, mode: str, context: list[Mention], section: str) -> None:
        """An item with items under it: one task, or a heading over its items' tasks."""
        child_mode = self._section_mode(child.rest, mode)
        if child_mode == "excluded" or mode == "excluded":
            return
        if self._field_outline(child):
            self._outline_task(child, child_mode, section or "I")
            return
        heading = self._heading(child, context, child_mode)
        if child.article and heading.heading_only and not self._headings(child):
            # "Điều 19. Trách nhiệm của Sở X" over clauses 1., 2.: one task, the article's,
            # led by X, its clauses its parts.
            self._leaf(_flattened(child, deep=True), child_mode, context, section or "I")
            return
        duty = self._duty_heading(child, heading)
        if duty and _lettered_only(child):
            # "1. Sở Tài chính có trách nhiệm:" over "a) Chủ trì hướng dẫn …", "b) Tổ chức kiểm
            # tra …": one task, Sở Tài chính's, its points its parts.
            self._leaf(_flattened(child), child_mode, context, section or "I")
            return
        if heading.heading_only and _lettered_only(child):
            # "2.1. Sở Tài chính" over a), b), c): one task, the heading's, its lettered items
            # its parts (split only where they name other leads).
            self._leaf(_flattened(child), child_mode, context, section or "I")
            return
        sub_context = heading.context or duty or context
        if not duty and self._leads_its_items(child, child_mode, heading):
            # "2. Ủy ban nhân dân các tỉnh chỉ đạo Sở X phối hợp với …: Sở Y, Sở Z thực hiện
            # các nội dung sau:" over "2.1. …", "2.2. …": the item's own line is a task.
            task = ImportedTask(
                ".".join(str(n) for n in child.number),
                None,
                section or "I",
                _item_title(child),
                child.text,
                self._assignments([heading]),
                read_deadline(child.rest),
            )
            self._check(task)
            self.tasks.append(task)
        if child_mode == "organisation":
            self._reporting([child.rest, *(p.rest for p in child.paragraphs)])
        label = section or "I"
        if child.label[:1].isdigit() and len(child.number) == 1 and section:
            label = f"{section}.{child.number[0]}"
        self._walk(child, child_mode, sub_context, label)

    def _heading(self, node: Node, context: list[Mention], mode: str = "") -> ParagraphRoles:
        """The roles of an item's own line; a line that is only a name over the item's points
        ("1. Viện Văn hóa, Nghệ thuật, Thể thao và Du lịch Việt Nam", "3. Sở X/Sở Y tỉnh,
        thành phố"), with no verb or cue of a task in lower case and no full stop, heads them
        like "1. Sở X"."""
        if mode == "organisation" or node.article:
            actor = self._actor_heading(node)
            if actor is not None:
                return actor
        heading = self.reader.read(node.rest, context)
        if heading.heading_only or not node.children or node.rest.rstrip().endswith((".", ":")):
            return heading
        tokens, mentions = self.reader.mentions(node.rest)
        named = [m for m in mentions if not self._excluded(m)]
        if not named or mentions[0].first != 0:
            return heading
        if any(
            phrases.match(tokens, index)
            for index in range(len(tokens))
            if not tokens[index].capitalised
            for phrases in (self.task_verbs, self.coordinate_cues, self.lead_cues)
        ):
            return heading
        roles = [ClauseRole(m, "lead", node.rest, 0.8, True) for m in named]
        return ParagraphRoles(roles, named, heading_only=True)

    def _actor_heading(self, node: Node) -> ParagraphRoles | None:
        """ "8. Chủ rừng", "18. Các doanh nghiệp công nghệ số" over points, "4. Các cơ sở nuôi
        trồng thủy sản: Theo dõi …", "Điều 24. Trách nhiệm của doanh nghiệp cung cấp dịch vụ …"
        in the organisation of a plan: a heading naming a kind of actor that is no agency
        (rules: ``actor_heads``) leads the work below it, as a body of its own named by the
        heading."""
        label, colon, after = node.rest.partition(":")
        label = label.strip().rstrip(".;")
        tokens = tokenize(label)
        if not tokens or len(tokens) > 14 or not self.actors.match(tokens, 0):
            return None
        if not node.article:
            if not colon and (not node.children or node.rest.rstrip().endswith(".")):
                return None
            if any(
                phrases.match(tokens, index)
                for index in range(1, len(tokens))
                for phrases in (self.task_verbs, self.coordinate_cues, self.lead_cues)
            ):
                return None
        if self.reader.read(label).roles:
            # "Các doanh nghiệp và Sở X": an agency is named; read as usual.
            return None
        candidate = Candidate("new", None, label, "office", None, 0.7)
        mention = Mention(0, len(tokens), 0, len(label), label, candidate)
        roles = [ClauseRole(mention, "lead", label, 0.7, True)]
        if colon:
            # "4. Các cơ sở nuôi trồng thủy sản: Theo dõi …": the work after the colon.
            roles += self.reader.read(after, [mention]).roles
        return ParagraphRoles(roles, [mention], True)

    def _leaf_mode(self, node: Node, mode: str) -> str:
        """ "Điều 2. Giải thích từ ngữ": an article's title sets its mode."""
        if node.article and mode != "excluded":
            return self._section_mode(node.rest, mode)
        return mode

    def _no_task(self, node: Node, mode: str, texts: list[str], heading: ParagraphRoles) -> bool:
        """Whether an item is no task: a closing article ("Điều 3." / "Chánh Văn phòng …
        chịu trách nhiệm thi hành Quyết định này"), a request for feedback on difficulties
        (rules: ``difficulty_reports``) or, in an organisation section, a reporting
        rule (read here); "1. Sở X" over its points, one of them a report ("g) Tổng hợp báo
        cáo … trước ngày 20/12"), or an item listing its work in dashed points, one of them a
        report, is a task all the same."""
        if node.article and any(self._closing(text) for text in texts):
            return True
        if (
            not node.children
            and len(_SENTENCE_END.split(node.rest.strip())) == 1
            and self._closing(node.rest)
        ):
            # "Điều 3. Hiệu lực thi hành" / "1. Quyết định này có hiệu lực …" / "2. Chánh Văn
            # phòng …, Giám đốc các Sở … chịu trách nhiệm thi hành Quyết định này./.": the
            # closing clause, that sentence alone (a Quy chế's "… chịu trách nhiệm thi hành
            # Quy chế này. Định kỳ trước ngày 15/12 … báo cáo …" is work all the same).
            return True
        if self.difficulty_report.search(fold(" ".join(texts))):
            # "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, … kịp thời phản ánh về …".
            return True
        return (
            mode == "organisation"
            and self._reporting(texts)
            and not heading.heading_only
            and not any(p.bullet for p in node.paragraphs)
            and self._reports_first(node.rest)
        )

    def _reports_first(self, text: str) -> bool:
        """Whether the item's first clause (up to ";" or a full stop) is about reporting: "Sở X
        có nhiệm vụ phối hợp với Y kiểm tra …; báo cáo định kỳ (trước ngày …)" is work that
        ends with a report, a task as well as a reporting rule."""
        first = re.split(r";|\.\s", text, maxsplit=1)[0]
        if not text.strip() or "bao cao" in fold(first):
            return True
        # "Giám đốc các Sở, … Chủ tịch UBND huyện xây dựng Kế hoạch …; báo cáo …": every unit's
        # standing duty to plan and report, the reporting rule alone.
        leads = self.reader.read(first).own_leads
        return not leads or all(plural(r.mention) for r in leads)

    def _closing_request(self, text: str) -> bool:
        """ "Chủ tịch UBND tỉnh yêu cầu … thực hiện nghiêm túc Chỉ thị này./.": the closing
        request to carry out the whole text (rules: ``closing_requests``)."""
        folded = fold(text)
        if self.closing_request.search(folded):
            return True
        # "Yêu cầu các sở, ban, ngành, địa phương nghiêm túc triển khai thực hiện./.": the
        # text's last sentence, closed by "./.", asks everyone to carry it out.
        return text.rstrip().endswith("./.") and bool(self.closing_words.match(folded))

    def _duty_heading(self, node: Node, heading: ParagraphRoles) -> list[Mention]:
        """ "1. Sở Tài chính có trách nhiệm:", "2. Ủy ban nhân dân cấp xã có nhiệm vụ sau:": a
        line that only names a body and its duty (rules: ``duty_openers``) before ":" heads the
        points under it like "1. Sở Tài chính" does; the body's mentions, or []."""
        text = node.rest.rstrip()
        if not text.endswith(":") or heading.heading_only or not heading.own_leads:
            return []
        tokens, mentions = self.reader.mentions(text)
        named = [m for m in mentions if not self._excluded(m)]
        if not named or mentions[0].first != 0:
            return []
        end = self._names_end(mentions)
        size = self.duty_openers.match(tokens, end)
        return named if size and end + size == len(tokens) else []

    @staticmethod
    def _names_end(mentions: list[Mention]) -> int:
        """Where the run of names that opens a line ends ("Sở X, Sở Y và Sở Z …")."""
        index = 0
        for mention in mentions:
            if mention.first > index + 2:
                break
            index = mention.last
        return index

    def _leads_its_items(self, node: Node, mode: str, heading: ParagraphRoles) -> bool:
        """Whether an item's own line is a task over its numbered items: it names who does the
        work, says what in full and opens them with ":"."""
        return (
            mode == "tasks"
            and bool(node.number)
            and bool(heading.own_leads)
            and not heading.heading_only
            and node.rest.rstrip().endswith(":")
            and all(item.label[:1].isdigit() for item in node.items)
        )

    def _headings(self, node: Node) -> bool:
        """Whether an item under ``node`` is a heading naming an agency ("1. Sở X")."""
        return any(self.reader.read(item.rest).heading_only for item in node.items)

    # ------------------------------------------------------------------ tasks

    def _leaf(self, node: Node, mode: str, context: list[Mention], section: str) -> None:
        if mode == "excluded":
            return
        for table in node.tables:
            self._table(table, section)
        texts = [node.rest, *(p.rest for p in node.paragraphs)]
        heading = self._heading(node, context, mode)
        if self._no_task(node, mode, texts, heading):
            return
        # "7. Cục X - Quản lý đầu tư xây dựng" over dashed points: the item's own lead is who
        # the points without a subject belong to ("- Chỉ đạo các Ban Quản lý dự án …").
        own = [r.mention for r in heading.own_leads]
        body_context = heading.context or (own if node.paragraphs and own else context)
        if any(self._field(p.rest)[0] in ("lead", "coordinate") for p in node.paragraphs):
            self._field_tasks(node, section, heading)
            return
        bodies: list[tuple[Node, ParagraphRoles]] = []
        dangling = self._dangling_partners(node.rest)
        for paragraph in node.paragraphs:
            text = paragraph.rest
            if not paragraph.bullet and (
                self._closing_request(text)
                or self.difficulty_report.search(fold(text))
                or self._closing(text)
            ):
                # "Trong quá trình thực hiện, nếu có vướng mắc đề nghị phản ánh kịp thời về …",
                # "… chịu trách nhiệm thi hành Quyết định này./." closing the text after its
                # last point: no part of that point.
                continue
            if dangling and paragraph.bullet:
                # "Chủ trì, phối hợp" / "- Sở Tài chính và … tham mưu …": each dashed line
                # names the partners of the work it describes.
                text = f"{dangling} {text}"
            else:
                dangling = self._dangling_partners(text)
            roles = self.reader.read(text, body_context)
            if roles.heading_only:
                body_context = roles.context
            bodies.append((paragraph, roles))
        task_id = ".".join(str(n) for n in node.number)
        own_sets = [
            frozenset(self.agency_id(r.mention) for r in roles.own_leads)
            for _p, roles in bodies
            if roles.own_leads and not roles.heading_only
        ]
        split = len(own_sets) >= 2 and len(set(own_sets)) >= 2
        if split:
            self._split_tasks(node, task_id, section, heading, bodies)
            return
        all_roles = [heading, *(roles for _p, roles in bodies)]
        text = "\n".join([node.text, *(p.text for p in node.paragraphs)])
        task = ImportedTask(
            task_id,
            None,
            section,
            _item_title(node),
            text,
            self._assignments(all_roles),
            read_deadline(" ".join(texts)),
        )
        if (mode == "organisation" or node.article) and not task.assignments:
            # An article that gives no work ("Điều 1. Ban hành kèm theo …") is no task.
            return
        self._check(task)
        self.tasks.append(task)

    def _split_tasks(
        self,
        node: Node,
        task_id: str,
        section: str,
        heading: ParagraphRoles,
        bodies: list[tuple[Node, ParagraphRoles]],
    ) -> None:
        """An item whose paragraphs name different leads: a container and one task a
        paragraph (a "Trường hợp …" paragraph after a dash is that dash's)."""
        container = ImportedTask(
            task_id, None, section, _item_title(node), node.text, [], container=True
        )
        container.assignments = self._assignments([heading])
        self.tasks.append(container)
        number = 0
        previous: tuple[Node, ParagraphRoles] | None = None
        for paragraph, roles in bodies:
            if roles.heading_only:
                continue
            if (
                previous is not None
                and previous[0].bullet
                and not paragraph.bullet
                and self.conditions.match(tokenize(paragraph.rest), 0)
            ):
                # "- Trong thời hạn …, Phòng X rà soát …;" / "Trường hợp có khiếu nại, …,
                # Chủ tịch UBND xã tổ chức xem xét …": the case belongs to the dash before.
                sub = self.tasks[-1]
                sub.text = f"{sub.text}\n{paragraph.text}"
                sub.assignments = self._assignments([previous[1], roles])
                previous = (previous[0], ParagraphRoles([*previous[1].roles, *roles.roles]))
                continue
            previous = (paragraph, roles)
            number += 1
            sub = ImportedTask(
                f"{task_id}.{number}",
                task_id,
                section,
                _title(paragraph.rest),
                paragraph.text,
                self._assignments([roles]),
                read_deadline(paragraph.rest) or read_deadline(node.rest),
            )
            self._check(sub)
            self.tasks.append(sub)
        container.assignments = []

    def _field(self, text: str) -> tuple[str, str]:
        """ "Cơ quan chủ trì: Sở X" -> ("lead", "Sở X"); "Đơn vị phối hợp thực hiện: …" ->
        ("coordinate", …); "Thời gian thực hiện: …" -> ("other", …); "Nội dung: …" ->
        ("content", …); a paragraph that is no field -> ("", text). Rules: ``task_fields``."""
        label, colon, value = text.partition(":")
        words = fold(label)
        if not colon or not words or len(words.split()) > 8:
            return "", text
        table = self.field_labels

        def has(kind: str, start: bool = False) -> bool:
            return any(
                words == cue
                or words.startswith(cue + " ")
                or (not start and f" {cue} " in f" {words} ")
                for cue in table[kind]
            )

        if has("heads", start=True):
            if has("coordinate"):
                return "coordinate", value.strip()
            if has("lead"):
                return "lead", value.strip()
        if has("content", start=True):
            return "content", value.strip()
        if has("other", start=True):
            return "other", value.strip()
        return "", text

    def _bare_field(self, text: str) -> tuple[str, str]:
        """ "Cơ quan chủ trì, phối hợp" / "a) Cơ quan chủ trì" on a line of its own, the names
        on the lines below: the field's kind ("lead", "coordinate"; both words: "lead", whose
        lines keep their own "phối hợp với"), or ("", text). Only a label made of the words of
        the field cues is one ("Phối hợp tuyên truyền" is a task). A label with its value after
        a colon is read by :meth:`_field`."""
        kind, value = self._field(text)
        if kind:
            return kind, value
        words = fold(text.rstrip(" .:")).split()
        table = self.field_labels
        known = {
            w for kind in ("heads", "lead", "coordinate") for c in table[kind] for w in c.split()
        }
        if not words or len(words) > 8 or not set(words) <= known | {"va"}:
            return "", text
        label = " ".join(words)
        if not any(label == c or label.startswith(c + " ") for c in table["heads"]):
            return "", text
        lead = any(f" {c} " in f" {label} " for c in table["lead"])
        if lead:
            return "lead", ""
        if any(f" {c} " in f" {label} " for c in table["coordinate"]):
            return "coordinate", ""
        return "", text

    def _outline_kind(self, text: str) -> str:
        """The kind of an item's own line in a field outline: "lead"/"coordinate" (see
        :meth:`_bare_field`), "content" ("1. Nội dung, biện pháp"), "other" ("3. Thời gian
        thực hiện: …"), or ""."""
        kind = self._bare_field(text)[0]
        if kind:
            return kind
        label = text.partition(":")[0]
        words = fold(label)
        for name in ("content", "other"):
            if any(words == c or words.startswith(c + " ") for c in self.field_labels[name]):
                return name
        return ""

    def _field_outline(self, node: Node) -> bool:
        """Whether the numbered items under ``node`` are the fields of one task ("1. Nội
        dung, biện pháp" / "2. Cơ quan chủ trì, phối hợp" / "3. Thời gian thực hiện: …"):
        one of them names who leads or coordinates, all are fields."""
        items = [c for c in node.children if c.kind == "item"]
        if len(items) < 2 or any(c.kind == "section" for c in node.children):
            return False
        kinds = [self._outline_kind(item.rest) for item in items]
        return all(kinds) and any(k in ("lead", "coordinate") for k in kinds)

    def _outline_roles(self, node: Node, role: str) -> list[ParagraphRoles]:
        """The roles a field item names: its value, its lines, and its own field items."""
        kind, value = self._bare_field(node.rest)
        found: list[ParagraphRoles] = []
        if kind and role != "content":
            role = kind
        texts = [value] if kind else [node.rest]
        texts += [p.rest for p in node.paragraphs]
        for text in texts:
            if not text.strip():
                continue
            if role == "content":
                # "Tiếp tục phối hợp với X …" in the content: X coordinates; the content's
                # subjects are who the work concerns.
                read = self.reader.read(text)
                found.append(ParagraphRoles([r for r in read.roles if r.role == "coordinate"]))
            else:
                found.append(self._field_roles(role, text))
        for item in node.items:
            sub = self._bare_field(item.rest)[0] if role != "content" else ""
            found += self._outline_roles(item, sub or role)
        return found

    def _outline_task(self, node: Node, mode: str, section: str) -> None:
        """A section or item written as a field outline: one task, led and partnered by its
        lead and coordinate fields (and the partners its content names), numbered by its own
        number."""
        roles: list[ParagraphRoles] = []
        deadline: Deadline | None = None
        for item in node.items:
            kind = self._outline_kind(item.rest)
            if kind == "other" and deadline is None:
                deadline = read_deadline(item.rest)
            if kind in ("lead", "coordinate", "content"):
                roles += self._outline_roles(item, "content" if kind == "content" else kind)
        assignments = self._assignments(roles)
        if not assignments:
            return
        number = node.number if node.kind == "item" else node.number[:1]
        task = ImportedTask(
            ".".join(str(n) for n in number) or "1",
            None,
            section,
            _item_title(node),
            "\n".join(_texts(node)),
            assignments,
            deadline,
        )
        self._check(task)
        self.tasks.append(task)

    def _field_roles(self, role: str, value: str) -> ParagraphRoles:
        """The agencies a field names, in its role (a lead field's own "phối hợp với Y" keeps
        Y coordinating)."""
        read = self.reader.read(value)
        roles = [
            replace(
                r,
                role="coordinate" if role == "coordinate" or r.role == "coordinate" else "lead",
                explicit=True,
            )
            for r in read.roles
        ]
        tokens, mentions = self.reader.mentions(value)
        for before, mention in itertools.pairwise(mentions):
            # "Cơ quan phối hợp: Các đơn vị thuộc Bộ Quốc phòng": the body whose units the
            # field names, in the field's role.
            between = range(before.last, mention.first)
            if (
                before.candidate.kind == "vague"
                and len(between) == 1
                and self.owner_words.match(tokens, before.last) == 1
                and not self._excluded(mention)
                and not any(r.mention == mention for r in roles)
            ):
                quote = value.strip()
                roles.append(ClauseRole(mention, role, quote, 0.7, True))
        return ParagraphRoles(roles)

    def _field_tasks(self, node: Node, section: str, heading: ParagraphRoles) -> None:
        """An item whose tasks are written as fields: each run of text followed by its fields
        ("- Tổ chức tập huấn …" / "Đơn vị chủ trì: Sở X." / "Đơn vị phối hợp: Sở Y." /
        "Thời gian thực hiện: …") is one task, led and partnered by its fields alone (the
        text's own subject is who the work concerns). One such task keeps the item's number;
        several are numbered in order under it."""
        blocks: list[list[Node]] = []
        kinds: set[str] = set()
        for paragraph in node.paragraphs:
            kind = self._field(paragraph.rest)[0]
            if blocks and kinds and (not kind or kind in kinds or kind == "content"):
                blocks.append([])
                kinds = set()
            if not blocks:
                blocks.append([])
            blocks[-1].append(paragraph)
            if kind:
                kinds.add(kind)
        found: list[tuple[list[Node], list[ParagraphRoles], list[ImportedAssignment]]] = []
        for block in blocks:
            fields = [self._field(p.rest) for p in block]
            named = [f for f in fields if f[0] in ("lead", "coordinate")]
            if named:
                roles = [self._field_roles(role, value) for role, value in named]
            else:
                roles = [self.reader.read(p.rest, heading.context) for p in block]
            assignments = self._assignments(roles)
            if assignments:
                found.append((block, roles, assignments))
        task_id = ".".join(str(n) for n in node.number)
        if len(found) == 1:
            _block, roles, assignments = found[0]
            if not any(a.role == "lead" for a in assignments):
                # "1. Sở X chủ trì rà soát …" / "- Cơ quan phối hợp: Sở Y": the item leads.
                assignments = self._assignments([heading, *roles])
            texts = [node.rest, *(p.rest for p in node.paragraphs)]
            task = ImportedTask(
                task_id,
                None,
                section,
                _item_title(node),
                "\n".join([node.text, *(p.text for p in node.paragraphs)]),
                assignments,
                read_deadline(" ".join(texts)),
            )
            self._check(task)
            self.tasks.append(task)
            return
        if not found:
            return
        container = ImportedTask(
            task_id, None, section, _item_title(node), node.text, [], container=True
        )
        self.tasks.append(container)
        for number, (block, _roles, assignments) in enumerate(found, start=1):
            body = " ".join(p.rest for p in block)
            sub = ImportedTask(
                f"{task_id}.{number}",
                task_id,
                section,
                _title(block[0].rest),
                "\n".join(p.text for p in block),
                assignments,
                read_deadline(body) or read_deadline(node.rest),
            )
            self._check(sub)
            self.tasks.append(sub)

    def _dangling_partners(self, text: str) -> str:
        """The coordinating cue a paragraph ends with and nothing after it ("Chủ trì, phối
        hợp:", "… phối hợp với"), which the dashed lines below it complete; "" if none."""
        tokens = tokenize(text)
        for start in range(max(0, len(tokens) - 4), len(tokens)):
            size = self.partner_cues.match(tokens, start) or self.coordinate_cues.match(
                tokens, start
            )
            if size and start + size == len(tokens):
                return str(rules()["dangling_partner_cue"])
        return ""

    def _paragraph_tasks(self, node: Node, section: str) -> None:
        """A text without numbered items (a công văn): each paragraph that assigns work is a
        task, numbered in order; in a Quyết định, each article ("Điều 2. Giao ...") with the
        paragraphs under it is one task numbered by its article. A paragraph without a subject
        that starts with a task verb ("Phối hợp với ...", "Thông báo ...") continues the lead of
        the task paragraph before it."""
        groups: list[tuple[str | None, list[Node]]] = []
        for paragraph in node.paragraphs:
            article = article_number(paragraph.rest)
            if article is not None or not groups:
                groups.append((article, [paragraph]))
            else:
                groups[-1][1].append(paragraph)
        articles = any(article is not None for article, _paragraphs in groups)
        number = 0
        context: list[Mention] = []
        previous: list[Mention] = []
        for article, paragraphs in groups:
            if articles:
                if any(self._closing(p.rest) for p in paragraphs):
                    continue
                found = [self._paragraph_roles(p, context, previous) for p in paragraphs]
                assignments = self._assignments(roles for roles, _leads in found)
                if found:
                    context, previous = found[-1][1]
                if article is None or not assignments:
                    continue
                text = "\n".join(p.text for p in paragraphs)
                body = " ".join(_strip_article(p.rest) for p in paragraphs)
                self._add_paragraph_task(article, section, body, text, assignments)
                continue
            for paragraph in paragraphs:
                roles, (context, previous) = self._paragraph_roles(paragraph, context, previous)
                assignments = self._assignments([roles])
                if not assignments:
                    previous = []
                    continue
                number += 1
                self._add_paragraph_task(
                    str(number), section, paragraph.rest, paragraph.text, assignments
                )

    def _paragraph_roles(
        self, paragraph: Node, context: list[Mention], previous: list[Mention]
    ) -> tuple[ParagraphRoles, tuple[list[Mention], list[Mention]]]:
        """The roles of one paragraph, and the (heading context, leads) the next one inherits."""
        text = _strip_article(paragraph.rest)
        tokens = tokenize(text)
        if self._closing(text):
            return ParagraphRoles(), (context, [])
        inherited = context
        if previous and (self.task_verbs.match(tokens, 0) or self._conditional_task(tokens)):
            inherited = previous
        roles = self.reader.read(text, inherited)
        if roles.heading_only:
            return roles, (roles.context, [])
        # The next paragraph continues who leads at the end of this one: "yêu cầu X, Y …
        # Đồng thời, giao X chủ trì, phối hợp với Y …" leaves X leading and Y coordinating.
        final: dict[str, ClauseRole] = {}
        for role in roles.roles:
            agency = self.agency_id(role.mention)
            final.pop(agency, None)
            final[agency] = role
        leads = [r.mention for r in final.values() if r.role == "lead"]
        return roles, (context, leads)

    def _conditional_task(self, tokens: Sequence[Token_]) -> bool:
        """ "Trường hợp cần thiết, …, để tham mưu …": a paragraph that opens with a condition
        and whose first sentence goes on to a task verb continues the task before it."""
        if not self.conditions.match(tokens, 0):
            return False
        for index in range(1, len(tokens)):
            gap = tokens[index].gap
            if "." in gap and gap.rstrip() != gap:
                return False
            if self.task_verbs.match(tokens, index):
                return True
        return False

    def _closing(self, text: str) -> bool:
        """ "Chánh Văn phòng ..., Giám đốc các Sở ... chịu trách nhiệm thi hành Quyết định
        này": the closing article of every Quyết định, not a task."""
        tokens = tokenize(text)
        return any(self.execution.match(tokens, index) for index in range(len(tokens)))

    def _add_paragraph_task(
        self, number: str, section: str, body: str, text: str, assignments: list[ImportedAssignment]
    ) -> None:
        task = ImportedTask(
            number, None, section, _title(body), text, assignments, read_deadline(body)
        )
        self._check(task)
        self.tasks.append(task)

    def _assignments(self, paragraphs: Iterable[ParagraphRoles]) -> list[ImportedAssignment]:
        roles: list[ClauseRole] = [r for p in paragraphs for r in p.roles]
        result: dict[str, ImportedAssignment] = {}
        for wanted in ("lead", "coordinate"):
            for role in roles:
                if role.role != wanted:
                    continue
                agency = self.agency_id(role.mention)
                if agency in result:
                    continue
                result[agency] = ImportedAssignment(agency, wanted, role.confidence, role.quote)
        if not any(a.role == "lead" for a in result.values()):
            for role in roles:
                if role.role == "candidate":
                    agency = self.agency_id(role.mention)
                    result.pop(agency, None)
                    result[agency] = ImportedAssignment(
                        agency, "lead", round(role.confidence * 0.7, 2), role.quote
                    )
        leads = [a for a in result.values() if a.role == "lead"]
        return leads + [a for a in result.values() if a.role == "coordinate"]

    def _check(self, task: ImportedTask) -> None:
        if task.assignments and not task.agencies("lead"):
            task.warnings.append("no-lead")
        for assignment in task.assignments:
            if assignment.confidence < 0.7:
                task.warnings.append(f"low-confidence:{assignment.agency}")

    # ------------------------------------------------------------------ tables

    def _table(self, node: Node, section: str) -> None:
        columns = _columns(node.rows[0]) if node.rows else {}
        if "task" not in columns or ("lead" not in columns and "coordinate" not in columns):
            return
        group = 0
        group_section = section
        for row in node.rows[1:]:
            cells = list(row) + [""] * (len(node.rows[0]) - len(row))

            def cell(name: str, cells: list[str] = cells) -> str:
                index = columns.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            number = cell("number").rstrip(".")
            task_text = cell("task")
            if not task_text:
                continue
            if re.fullmatch(r"[IVXLC]+|[A-Z]", number) or (
                not number and not cell("lead") and not cell("coordinate")
            ):
                group += 1
                if re.fullmatch(r"[IVXLC]+", number):
                    group_section = number
                continue
            if not re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*", number):
                number = str(sum(1 for t in self.tasks if t.origin == "table") + 1)
            task_id = f"{group}.{number}" if group else number
            assignments = self._row_assignments(
                cell("lead"), cell("coordinate"), task_text if "coordinate" not in columns else ""
            )
            deadline_text = cell("deadline")
            deadline = read_deadline(deadline_text) if deadline_text else None
            if deadline is None and deadline_text:
                deadline = Deadline("text", deadline_text, None, False)
            task = ImportedTask(
                task_id,
                None,
                group_section,
                _title(task_text),
                task_text,
                assignments,
                deadline,
                origin="table",
                table_group=bool(group),
            )
            self._check(task)
            self.tasks.append(task)

    def _row_assignments(
        self, lead: str, coordinate: str, task_text: str
    ) -> list[ImportedAssignment]:
        """The agencies of a task table's row, from its lead and partners' cells; with no
        partners' column, the partners its task cell names ("… phối hợp với các bộ, ngành liên
        quan xem xét …": ``task_text``)."""
        assignments: list[ImportedAssignment] = []
        for role, text in (("lead", lead), ("coordinate", coordinate)):
            _tokens, mentions = self.reader.mentions(text)
            for mention in mentions:
                if self._excluded(mention):
                    continue
                agency = self.agency_id(mention)
                if any(a.agency == agency for a in assignments):
                    continue
                assignments.append(
                    ImportedAssignment(
                        agency, role, round(0.95 * mention.candidate.confidence, 2), text
                    )
                )
        for listed in self.reader.read(task_text).with_role("coordinate") if task_text else []:
            agency = self.agency_id(listed.mention)
            if not any(a.agency == agency for a in assignments):
                assignments.append(ImportedAssignment(agency, "coordinate", 0.7, task_text))
        return assignments

    def _renumber(self) -> None:
        """Make ids unique: a later task whose id is taken gets the next free top number;
        the rows of a task table (Phụ lục) next to numbered text get a top number of their own."""
        seen: set[str] = set()
        top = max((int(t.id.split(".")[0]) for t in self.tasks), default=0)
        text_top = max(
            (int(t.id.split(".")[0]) for t in self.tasks if t.origin == "text"), default=0
        )
        if text_top:
            for task in self.tasks:
                if task.origin == "table":
                    group, _dot, rest = (
                        task.id.partition(".") if task.table_group else ("", "", task.id)
                    )
                    task.id = f"{text_top + max(int(group or 1), 1)}.{rest}"
            top = max(int(t.id.split(".")[0]) for t in self.tasks)
        remap: dict[str, str] = {}
        for task in self.tasks:
            if task.parent is not None and task.parent in remap:
                old = task.id
                task.id = remap[task.parent] + task.id[len(task.parent) :]
                task.parent = remap[task.parent]
                remap[old] = task.id
            elif task.id in seen:
                head = task.id.split(".")[0]
                key = f"top:{head}:{task.section}:{task.origin}"
                if key not in remap:
                    top += 1
                    remap[key] = str(top)
                new_id = remap[key] + task.id[len(head) :]
                remap[task.id] = new_id
                task.id = new_id
            if task.id in seen:
                # Still taken: a second article or section with the same numbering in the
                # same place (the clauses of "Điều 18" and "Điều 19"), or a child renamed onto
                # a taken id. A fresh top number keeps every id unique, as the schema requires.
                old = task.id
                head = old.split(".")[0]
                top += 1
                task.id = str(top) + old[len(head) :]
                remap[old] = task.id
                if task.parent is not None and task.parent not in seen:
                    task.parent = None
            seen.add(task.id)

    # ------------------------------------------------------------------ reporting

    def _reporting(self, texts: Sequence[str]) -> bool:
        found = False
        for text in texts:
            folded = light_fold(text)
            if "bao cao" not in folded:
                continue
            timings = read_report_timing(text)
            if not timings:
                continue
            found = True
            roles = self.reader.read(text)
            who: list[str] = []
            for role in roles.roles:
                if role.role == "lead":
                    agency = self.agency_id(role.mention)
                    if agency not in who:
                        who.append(agency)
            to, cc = self._recipients(text)
            if not who:
                self.warnings.append(f"reporting-without-who:{text[:80]}")
                continue
            for timing in timings:
                base = next(
                    (r for r in self.rules if set(who) & set(r["cc"]) and not r["consolidates"]),
                    None,
                )
                sentence = _sentence_with(text, timing.text)
                prefix = "consolidation" if base is not None else "unit-report"
                rule_id = prefix
                number = 2
                while any(r["id"] == rule_id for r in self.rules):
                    rule_id = f"{prefix}-{number}"
                    number += 1
                self.rules.append(
                    {
                        "id": rule_id,
                        "who": who,
                        "day": timing.day,
                        "months": list(timing.months),
                        "to": to,
                        "cc": [c for c in cc if c not in who and c != to],
                        "rule": "before",
                        "text": sentence,
                        "consolidates": base["id"] if base is not None else None,
                        "evidence": {"confidence": 0.85, "quote": sentence},
                    }
                )
        return found

    def _recipients(self, text: str) -> tuple[str, list[str]]:
        tokens = tokenize(text)
        mentions = self.lexicon.mentions(text, tokens)
        at = {m.first: m for m in mentions}
        to: str | None = None
        cc: list[str] = []
        index = 0
        while index < len(tokens):
            size = self.cc_cues.match(tokens, index)
            is_cc = bool(size) and tokens[index].word != "gui"
            if size and (is_cc or to is not None):
                for mention in self._list_after(tokens, at, index + size):
                    agency = self.agency_id(mention)
                    if agency not in cc:
                        cc.append(agency)
                index += size
                continue
            size = self.report_verbs.match(tokens, index)
            if size and to is None:
                listed = self._list_after(tokens, at, index + size)
                if listed:
                    to = self.agency_id(listed[0])
            index += max(size, 1)
        if to is None:
            to = self.issuer.id if self.issuer is not None else self.agencies[0].id
        return to, cc

    def _list_after(
        self, tokens: Sequence[Token_], at: dict[int, Mention], index: int
    ) -> list[Mention]:
        found: list[Mention] = []
        while index < len(tokens):
            mention = at.get(index)
            if mention is not None:
                if mention.candidate.kind != "vague":
                    found.append(mention)
                index = mention.last
                continue
            size = self.separators.match(tokens, index)
            if size and found:
                index += size
                continue
            break
        return found

    # ------------------------------------------------------------------ output

    def _used_new(self) -> list[NewAgency]:
        used = {a.agency for t in self.tasks for a in t.assignments}
        for rule in self.rules:
            used |= {*rule["who"], rule["to"], *rule["cc"]}
        known = {a.id for a in self.agencies}
        result: list[NewAgency] = []
        for agency in self.new.values():
            if agency.id in used and agency.id not in known and agency not in result:
                result.append(agency)
        return result

    def _draft(self, path: Path, header: Header) -> dict[str, Any]:
        issuer = self.issuer or self.agencies[0]
        province = _province(issuer, header)
        evidence: dict[str, Any] = {}
        for name, quote in header.quotes.items():
            evidence[name] = {"confidence": 0.9, "quote": quote}
        plan: dict[str, Any] = {
            "id": _plan_id(header, province),
            "title": header.title or path.stem,
            "issuer": issuer.id,
            "source": path.name,
            "timezone": self.timezone,
            "province": province,
        }
        if header.number:
            plan["number"] = header.number
        if header.issued:
            plan["date"] = header.issued
        if header.doc_type:
            plan["document_type"] = header.doc_type
        if evidence:
            plan["evidence"] = evidence
        agencies: list[dict[str, Any]] = [agency_to_dict(a) for a in self.agencies]
        for new in self._used_new():
            data: dict[str, Any] = {
                "id": new.id,
                "name": new.name,
                "short_name": new.name,
                "aliases": [],
                "kind": new.kind,
            }
            if new.kind == "group":
                data["members"] = new.members
            data["source"] = "plan"
            data["evidence"] = {"confidence": new.confidence, "quote": new.quote}
            agencies.append(data)
        tasks: list[dict[str, Any]] = []
        for task in self.tasks:
            item: dict[str, Any] = {"id": task.id}
            if task.parent is not None:
                item["parent"] = task.parent
            item.update(
                {
                    "section": task.section
                    if re.fullmatch(r"[IVXLC]+(\.\d+)*", task.section)
                    else "I",
                    "title": task.title,
                    "text": task.text,
                    "general": task.general,
                    "assignments": [
                        {
                            "agency": a.agency,
                            "role": a.role,
                            "evidence": {"confidence": a.confidence, "quote": a.quote or task.text},
                        }
                        for a in task.assignments
                    ],
                }
            )
            if task.deadline is not None:
                deadline: dict[str, Any] = {
                    "kind": task.deadline.kind,
                    "text": task.deadline.text,
                    "before": task.deadline.before,
                    "evidence": {"confidence": 0.8, "quote": task.deadline.text},
                }
                if task.deadline.due is not None:
                    deadline["date"] = task.deadline.due.isoformat()
                item["deadline"] = deadline
            item["evidence"] = {
                "confidence": 1.0 if task.origin == "text" else 0.9,
                "quote": task.text,
            }
            if task.warnings:
                item["warnings"] = task.warnings
            tasks.append(item)
        review = {
            "new_agencies": [
                {"id": a.id, "name": a.name, "suggestions": a.suggestions, "quote": a.quote}
                for a in self._used_new()
            ],
            "warnings": self.warnings,
        }
        return {
            "plan": plan,
            "agencies": agencies,
            "tasks": tasks,
            "reporting": self.rules,
            "review": review,
        }


Token_ = Any


def _columns(header: Sequence[str]) -> dict[str, int]:
    table: dict[str, list[str]] = rules()["table_columns"]
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        folded = light_fold(cell).strip()
        folded = re.sub(r"\s+", " ", re.sub(r"[^\w ]", " ", folded)).strip()
        for name in ("number", "lead", "coordinate", "deadline", "product", "task"):
            if name in found:
                continue
            cues = sorted(
                (re.sub(r"[^\w ]", " ", light_fold(c)) for c in table[name]), key=len, reverse=True
            )
            if any(
                folded == cue
                or folded.startswith(cue + " ")
                or folded.endswith(" " + cue)
                or (name not in ("number",) and cue in folded)
                for cue in cues
            ):
                found[name] = index
                break
    return found


_ARTICLE = re.compile(r"^\s*Điều\s+(\d{1,3})\s*[.:]\s*", re.IGNORECASE)


def _texts(node: Node) -> list[str]:
    """The lines of ``node`` and of everything under it, in order."""
    lines = [node.text]
    for child in node.children:
        if child.kind == "table":
            continue
        lines += _texts(child) if child.kind in ("item", "section") else [child.text]
    return lines


def _lettered_only(node: Node) -> bool:
    """Whether the items under ``node`` are all lettered items (a), b)) without items."""
    return all(c.kind == "item" and c.label[:1].isalpha() and not c.items for c in node.items)


def _flattened(node: Node, *, deep: bool = False) -> Node:
    """``node`` with its lettered items turned into paragraphs of its own (each followed by
    its dashed lines), so that it reads as one task; ``deep``: the items under them too."""
    children: list[Node] = []
    for child in node.children:
        if child.kind == "item":
            children.append(Node("para", text=child.text, rest=child.rest, parent=node))
            if deep:
                children.extend(_flattened(child, deep=True).children)
            else:
                children.extend(c for c in child.children if c.kind in ("para", "table"))
        else:
            children.append(child)
    return Node(
        "item",
        node.label,
        node.number,
        node.text,
        node.rest,
        article=node.article,
        children=children,
        parent=node.parent,
    )


def article_number(text: str) -> str | None:
    """The number of a Quyết định's article ("Điều 2. Giao ..." -> "2"), or None."""
    match = _ARTICLE.match(text)
    return match.group(1) if match else None


def _strip_article(text: str) -> str:
    return _ARTICLE.sub("", text, count=1)


def _item_title(node: Node) -> str:
    """An item's title: its text after the number ("Điều 2." alone: its first paragraph)."""
    if node.rest or not node.paragraphs:
        return _title(node.rest or node.text)
    return _title(node.paragraphs[0].rest)


def _title(text: str) -> str:
    text = " ".join(text.split()).rstrip(":;")
    if len(text) <= _TITLE_LIMIT:
        return text or "…"
    cut = text.rfind(" ", 0, _TITLE_LIMIT - 1)
    return text[: cut if cut > 0 else _TITLE_LIMIT - 1] + "…"


def _sentence_with(text: str, part: str) -> str:
    position = text.find(part)
    if position < 0:
        return text.strip()
    starts = [m.end() for m in re.finditer(r"[.;]\s+(?=[A-ZÀ-Ỹ])", text[:position])]
    start = starts[-1] if starts else 0
    end_match = re.search(r"\.(?:/\.)?\s+(?=[A-ZÀ-Ỹ0-9])|$", text[position:])
    end = position + (end_match.start() + 1 if end_match and end_match.group() else len(text))
    return text[start:end].strip() or text.strip()


def _province(issuer: Agency, header: Header) -> str:
    name = issuer.name
    folded = light_fold(name)
    for prefix in ("uy ban nhan dan tinh ", "uy ban nhan dan thanh pho ", "ubnd tinh "):
        if folded.startswith(prefix):
            return name[len(prefix) :].strip() or name
    return header.place or name


def _plan_id(header: Header, province: str) -> str:
    parts = [slug(province)]
    if header.number:
        number = header.number.split("/")
        kind = slug(number[1].split("-")[0]) if len(number) > 1 else ""
        parts.append(f"{kind}{slug(number[0])}")
    elif header.doc_type:
        parts.append("".join(word[0] for word in header.doc_type.split()))
    if header.issued:
        parts.append(header.issued[:4])
    return "-".join(p for p in parts if p) or "ke-hoach"


def roman(value: str) -> int:
    return roman_value(value)
