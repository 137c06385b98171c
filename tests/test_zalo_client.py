"""The Zalo client and channel against the fake Zalo Bot API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Services
from bot.channels.zalo import (
    MAX_TEXT,
    PartialDelivery,
    PublicFiles,
    ZaloApiError,
    ZaloChannel,
    ZaloClient,
)
from bot.messages import (
    Attachment,
    Choice,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
    numbered_choices,
)
from bot.text import split_text
from tests.support.ports import free_port
from tests.support.zalo_server import ZaloBotApiServer


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


@pytest.fixture
async def client(api: ZaloBotApiServer) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(api.token, api.root, timeout=2.0) as zalo:
        yield zalo


@pytest.fixture
def channel(client: ZaloClient, services: Services) -> ZaloChannel:
    return ZaloChannel(client, services.db)


async def test_get_update_returns_one_update_object(
    api: ZaloBotApiServer, client: ZaloClient
) -> None:
    first = api.text_update("xin chào")
    second = api.text_update("báo cáo")
    api.push(first)
    api.push(second)

    got = await client.get_update(poll_seconds=1)

    assert got == first  # one object, not a list; the second waits for the next poll
    assert await client.get_update(poll_seconds=1) == second
    assert [c.params for c in api.calls if c.method == "getUpdates"] == [{"timeout": 1}] * 2


async def test_idle_poll_408_is_none_not_an_error(
    api: ZaloBotApiServer, client: ZaloClient
) -> None:
    started = time.monotonic()
    assert await client.get_update(poll_seconds=0.3) is None
    assert time.monotonic() - started >= 0.25  # the server held the poll for the timeout


async def test_http_200_error_envelope_is_raised(api: ZaloBotApiServer, client: ZaloClient) -> None:
    api.fail_next("sendMessage", 400, "chat not found")
    with pytest.raises(ZaloApiError) as caught:
        await client.send_message("chat-1", "xin chào")
    assert caught.value.error_code == 400
    assert caught.value.http_status == 200
    assert caught.value.description == "chat not found"


async def test_wrong_token_refused_without_leaking_it(api: ZaloBotApiServer) -> None:
    wrong = "999:definitely-not-the-token-abcdef"
    async with ZaloClient(wrong, api.root) as zalo:
        with pytest.raises(ZaloApiError) as caught:
            await zalo.get_me()
    assert caught.value.error_code == 401
    assert wrong not in str(caught.value)


async def test_platform_limits_enforced_by_the_fake(
    api: ZaloBotApiServer, client: ZaloClient
) -> None:
    with pytest.raises(ZaloApiError, match="1-2000"):
        await client.send_message("chat-1", "x" * (MAX_TEXT + 1))
    with pytest.raises(ZaloApiError, match="1-2000"):
        await client.send_message("chat-1", "")
    with pytest.raises(ZaloApiError, match="http"):
        await client.send_photo("chat-1", "/tmp/chart.png")
    for method, params in (
        ("sendMessage", {"chat_id": "chat-1", "text": "x", "reply_markup": {}}),
        ("sendMessage", {"chat_id": "chat-1", "text": "x", "reply_to_message_id": "m1"}),
        ("sendPhoto", {"chat_id": "chat-1", "photo": "https://x.vn/a.png", "parse_mode": "HTML"}),
        ("sendChatAction", {"chat_id": "chat-1", "action": "typing", "message_id": "m1"}),
    ):
        with pytest.raises(ZaloApiError, match="unsupported parameters"):
            await client.call(method, params)
    with pytest.raises(ZaloApiError, match="chat_id"):
        await client.call("sendMessage", {"chat_id": 12345, "text": "x"})  # ids are strings
    with pytest.raises(ZaloApiError) as caught:
        await client.call("editMessageText", {"chat_id": "chat-1", "text": "x"})
    assert caught.value.error_code == 404
    assert api.sent() == []


def test_split_text_on_line_breaks() -> None:
    lines = [f"Dòng {i}: " + "nội dung báo cáo " * 5 for i in range(100)]
    text = "\n".join(lines)
    parts = split_text(text, MAX_TEXT)
    assert len(parts) > 1
    assert all(0 < len(part) <= MAX_TEXT for part in parts)
    # No line was cut: every part is made of whole lines, in order.
    assert [line for part in parts for line in part.split("\n")] == lines


def test_split_text_cuts_an_overlong_line_at_blanks() -> None:
    word_line = " ".join(["từ"] * 1500)  # 4,499 characters on one line
    parts = split_text(word_line, MAX_TEXT)
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert " ".join(parts).split() == word_line.split()
    assert split_text("a" * 4500, MAX_TEXT) == ["a" * 2000, "a" * 2000, "a" * 500]
    assert split_text("\n\n", MAX_TEXT) == []


async def test_long_reply_split_within_limit(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    text = "\n".join(f"{i}. Nhiệm vụ số {i} của kế hoạch — chưa báo cáo." for i in range(150))
    ids = await channel.send("chat-1", Reply(text))
    sent = api.texts("chat-1")
    assert len(sent) == len(ids) >= 3
    assert all(len(part) <= MAX_TEXT for part in sent)
    assert "\n".join(sent) == text


async def test_choices_become_a_numbered_list(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    reply = Reply(
        "Bạn báo cáo nhiệm vụ nào?",
        choices=(Choice("Nhiệm vụ 1.1", "task:1.1"), Choice("Nhiệm vụ 2.3", "task:2.3")),
    )
    await channel.send("chat-1", reply)
    [text] = api.texts("chat-1")
    assert "1. Nhiệm vụ 1.1\n2. Nhiệm vụ 2.3" in text
    assert "Trả lời bằng một số từ 1 đến 2." in text


async def test_numbers_go_on_across_a_batch(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    """The numbers are those of bot.messages.numbered_choices, which the handlers remember."""
    batch = [
        Reply("Nhiệm vụ 2.2:", choices=(Choice("Đã xong", "st:1:c"), Choice("Hoàn tác", "undo:1"))),
        Reply("Nhiệm vụ 2.7:", choices=(Choice("Vướng mắc", "st:2:b"),)),
    ]
    await channel.send_many("chat-1", batch)
    first, second = api.texts("chat-1")
    assert "1. Đã xong" in first
    assert "Trả lời bằng số 1." in first
    assert "2. Vướng mắc" in second
    assert "Trả lời bằng số 2." in second
    assert [choice.label for choice in numbered_choices(batch)] == ["Đã xong", "Vướng mắc"]


async def test_undo_choice_becomes_type_huy(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    await channel.send("chat-1", Reply("Đã ghi báo cáo.", choices=(Choice("Hoàn tác", "undo:42"),)))
    [text] = api.texts("chat-1")
    assert text == "Đã ghi báo cáo.\n\nĐể hoàn tác, gõ HUỶ."
    # A reply that already says how to undo is not told twice.
    said = "Đã ghi.\nĐể hoàn tác trong 10 phút: bấm Hoàn tác hoặc gõ HUỶ."
    await channel.send("chat-1", Reply(said, choices=(Choice("Hoàn tác", "undo:43"),)))
    assert api.texts("chat-1")[-1] == said


async def test_edit_becomes_a_new_message(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    ids = await channel.send("chat-1", Reply("Đã cập nhật", edit_message_id="abc"))
    assert len(ids) == 1
    assert [c.method for c in api.calls] == ["sendMessage"]


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


async def test_attachment_as_link_with_public_base_url(
    api: ZaloBotApiServer, client: ZaloClient, services: Services, tmp_path: Path
) -> None:
    public_dir = tmp_path / "public"
    channel = ZaloChannel(
        client,
        services.db,
        public=PublicFiles(public_dir, "https://files.example.vn/planbot/"),
    )
    await channel.send(
        "chat-1",
        Reply("Biểu đồ tiến độ", attachment=Attachment("tien-do.png", PNG, "image/png", "photo")),
    )
    await channel.send(
        "chat-1",
        Reply("Báo cáo quý I", attachment=Attachment("bao-cao.docx", b"PK docx", "application/x")),
    )
    photo = next(c for c in api.sent("chat-1") if c.method == "sendPhoto")
    url = photo.params["photo"]
    assert url.startswith("https://files.example.vn/planbot/")
    assert url.endswith(".png")
    saved = public_dir / url.rsplit("/", 1)[1]
    assert saved.read_bytes() == PNG
    assert len(saved.stem) >= 32  # unguessable
    doc_text = api.texts("chat-1")[-1]
    assert doc_text.startswith("Báo cáo quý I\n\nTải tệp bao-cao.docx: https://files.example.vn/")
    doc_name = doc_text.rsplit("/", 1)[1]
    assert (public_dir / doc_name).read_bytes() == b"PK docx"


async def test_attachment_as_text_without_public_base_url(
    api: ZaloBotApiServer, channel: ZaloChannel, tmp_path: Path
) -> None:
    await channel.send(
        "chat-1",
        Reply(
            "Tổng hợp quý I: 30/45 đơn vị đã báo cáo.",
            attachment=Attachment("bao-cao.docx", b"PK", "application/x"),
        ),
    )
    [text] = api.texts("chat-1")
    assert text.startswith("Tổng hợp quý I: 30/45 đơn vị đã báo cáo.")
    assert "Tệp bao-cao.docx không gửi được qua Zalo" in text
    assert "gõ /tonghop để xem bản tổng hợp dạng văn bản" in text  # the digest, on Zalo
    assert [c.method for c in api.calls] == ["sendMessage"]
    # A chart comes with the digest text already: only the note that it stays behind.
    await channel.send(
        "chat-1",
        Reply("Tổng hợp quý I", attachment=Attachment("tong-hop.png", PNG, "image/png", "photo")),
    )
    assert api.texts("chat-1")[-1] == (
        "Tổng hợp quý I\n\nTệp tong-hop.png không gửi được qua Zalo: vui lòng nhận qua "
        "Telegram hoặc bằng lệnh planbot."
    )
    assert [c.method for c in api.calls] == ["sendMessage"] * 2


async def test_rate_limit_maps_to_retry_later(api: ZaloBotApiServer, channel: ZaloChannel) -> None:
    api.fail_next("sendMessage", 429, "Too Many Requests", retry_after=7)
    with pytest.raises(RetryLater) as caught:
        await channel.send("chat-1", Reply("Nhắc việc"))
    assert caught.value.retry_after == 7
    api.fail_next("sendMessage", 429, "Too Many Requests", http_status=429)
    with pytest.raises(RetryLater):
        await channel.send("chat-1", Reply("Nhắc việc"))


async def test_server_error_is_transient_and_refusal_undeliverable(
    api: ZaloBotApiServer, channel: ZaloChannel
) -> None:
    api.fail_next("sendMessage", 500, "Internal error", http_status=500)
    with pytest.raises(TransientError):
        await channel.send("chat-1", Reply("Nhắc việc"))
    api.blocked_chats.add("chat-blocked")
    with pytest.raises(Undeliverable, match="blocked"):
        await channel.send("chat-blocked", Reply("Nhắc việc"))


async def test_timeout_after_the_request_left_is_outcome_unknown(
    api: ZaloBotApiServer, services: Services
) -> None:
    api.fail_next("sendMessage", 200, "late", hang=1.0, deliver_anyway=True)
    async with ZaloClient(api.token, api.root, timeout=0.2) as zalo:
        channel = ZaloChannel(zalo, services.db)
        with pytest.raises(OutcomeUnknown):
            await channel.send("chat-1", Reply("Nhắc việc"))
    assert len(api.sent("chat-1")) == 1  # it did arrive: a blind retry would double it


async def test_connection_refused_is_transient_and_token_not_logged(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nobody listens on it
    token = "1234:secret-token-never-logged"
    async with ZaloClient(token, f"http://127.0.0.1:{port}", timeout=1) as zalo:
        channel = ZaloChannel(zalo, services.db)
        with caplog.at_level(logging.DEBUG), pytest.raises(TransientError) as caught:
            await channel.send("chat-1", Reply("Nhắc việc"))
    assert token not in str(caught.value)
    assert token not in caplog.text


async def test_failure_after_some_parts_is_partial_delivery(
    api: ZaloBotApiServer, channel: ZaloChannel
) -> None:
    text = "\n".join("dòng " * 100 for _ in range(10))  # about 5,000 characters: 3 parts
    api.fail_next("sendMessage", 500, "boom", http_status=500, after=2)
    with pytest.raises(PartialDelivery) as caught:
        await channel.send("chat-1", Reply(text))
    assert len(caught.value.message_ids) == 2 == len(api.sent("chat-1"))
    assert isinstance(caught.value, OutcomeUnknown)  # a retry would repeat the first parts
    assert isinstance(caught.value.cause, TransientError)
