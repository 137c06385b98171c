"""Reading planbot's web pages as a person sees them: the chat messages, forms and cells.

A small :class:`html.parser.HTMLParser` (no browser): the tests that need a real browser use
Chromium (tests/test_web_browser.py); these read the same HTML at the handler level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Button:
    label: str
    fields: dict[str, str]


@dataclass
class Message:
    id: str
    mine: bool
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class Cell:
    unit: str
    task: str
    state: str
    text: str


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.messages: list[Message] = []
        self.inputs: dict[str, str] = {}
        self.cells: list[Cell] = []
        self.counts: dict[str, int] = {}
        self.links: list[str] = []
        self.text_parts: list[str] = []
        self._stack: list[tuple[str, set[str]]] = []
        self._message: Message | None = None
        self._message_depth = 0
        self._in_text = False
        self._form_fields: dict[str, str] | None = None
        self._button: list[str] | None = None
        self._unit: str | None = None
        self._cell: dict[str, str] | None = None
        self._count: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = set(values.get("class", "").split())
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("input", "br", "img", "meta", "link"):
            self._void(tag, values, classes)
            return
        self._stack.append((tag, classes))
        if tag == "div" and "msg" in classes and self._message is None:
            self._message = Message(values.get("data-id", ""), "mine" in classes)
            self._message_depth = len(self._stack)
        elif tag == "div" and "text" in classes and self._message is not None:
            self._in_text = True
        elif tag == "form":
            self._form_fields = {}
        elif tag == "button" and "choice" in classes:
            self._button = []
        elif tag == "a":
            href = values.get("href", "")
            self.links.append(href)
            if self._message is not None and href.startswith("/files/"):
                self._message.files.append(href)
        elif tag == "tr" and values.get("data-unit"):
            self._unit = values["data-unit"]
        elif tag == "td" and self._unit and "data-task" in values:
            self._cell = {"task": values["data-task"], "state": values.get("data-state", "")}
            self._cell["text"] = ""
        elif tag == "span" and "count" in classes and values.get("data-bucket"):
            self._count = values["data-bucket"]

    def _void(self, tag: str, values: dict[str, str], classes: set[str]) -> None:
        if tag == "input":
            name = values.get("name", "")
            if self._form_fields is not None:
                self._form_fields[name] = values.get("value", "")
            if name and name not in self.inputs:
                self.inputs[name] = values.get("value", "")
        if (
            tag == "img"
            and self._message is not None
            and values.get("src", "").startswith("/files/")
        ):
            self._message.files.append(values["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if not self._stack:
            return
        while self._stack:
            open_tag, classes = self._stack.pop()
            if open_tag == tag:
                break
        if tag == "div" and self._in_text and "text" in classes:
            self._in_text = False
        if tag == "button" and self._button is not None:
            if self._message is not None:
                self._message.buttons.append(
                    Button("".join(self._button).strip(), dict(self._form_fields or {}))
                )
            self._button = None
        if tag == "form":
            self._form_fields = None
        if tag == "td" and self._cell is not None and self._unit:
            self.cells.append(
                Cell(
                    self._unit, self._cell["task"], self._cell["state"], self._cell["text"].strip()
                )
            )
            self._cell = None
        if tag == "tr":
            self._unit = None
        if tag == "span" and self._count is not None:
            self._count = None
        if self._message is not None and len(self._stack) < self._message_depth:
            self.messages.append(self._message)
            self._message = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text_parts.append(data)
        if self._in_text and self._message is not None:
            self._message.text += data
        if self._button is not None:
            self._button.append(data)
        if self._cell is not None:
            self._cell["text"] += data
        if self._count is not None and data.strip():
            self.counts[self._count] = int(data.strip())


@dataclass
class Page:
    html: str
    messages: list[Message]
    inputs: dict[str, str]
    cells: list[Cell]
    counts: dict[str, int]
    links: list[str]
    text: str

    @property
    def csrf(self) -> str:
        return self.inputs["csrf"]

    def bot_messages(self) -> list[Message]:
        return [message for message in self.messages if not message.mine]

    def cell(self, unit: str, task: str) -> Cell:
        for cell in self.cells:
            if cell.unit == unit and cell.task == task:
                return cell
        raise KeyError((unit, task))


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    text = " ".join(" ".join(reader.text_parts).split())
    return Page(
        html,
        reader.messages,
        reader.inputs,
        reader.cells,
        reader.counts,
        reader.links,
        text,
    )
