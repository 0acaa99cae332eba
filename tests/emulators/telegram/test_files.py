"""Uploads (multipart), URLs, file_id reuse, getFile and downloads, media groups."""

from __future__ import annotations

import json
import struct

from trt_actors.emulators.telegram import TelegramEmulator

from .conftest import Api, assert_conforms

PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", 640, 480) + b"\0" * 20


async def test_upload_photo_then_get_file_and_download(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    response = await api.raw(
        "sendPhoto",
        data={"chat_id": str(user.id), "caption": "a cat"},
        files={"photo": ("cat.png", PNG, "image/png")},
    )
    sent = response.json()["result"]
    photo = sent["photo"][-1]
    assert (photo["width"], photo["height"], photo["file_size"]) == (640, 480, len(PNG))
    assert sent["caption"] == "a cat"
    info = await api.ok("getFile", file_id=photo["file_id"])
    assert info["file_size"] == len(PNG)
    download = await api.client.get(
        f"{emu.base_url}/file/bot{emu.config.token}/{info['file_path']}"
    )
    assert download.status_code == 200 and download.content == PNG
    assert emu.ctl.file_bytes(photo["file_id"]) == PNG
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_file_id_reuse_url_and_wrong_ids(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    first = await api.ok("sendPhoto", chat_id=user.id, photo="https://example.com/a.jpg")
    file_id = first["photo"][0]["file_id"]
    again = await api.ok("sendPhoto", chat_id=user.id, photo=file_id)
    assert again["photo"][0]["file_id"] == file_id
    as_doc = await api.ok("sendDocument", chat_id=user.id, document=file_id)
    assert as_doc["document"]["file_id"] == file_id
    as_video = await api.call("sendVideo", chat_id=user.id, video=file_id)
    assert as_video["description"] == "Bad Request: can't use file of type photo as video"
    unknown = await api.call("sendPhoto", chat_id=user.id, photo="nope")
    assert unknown["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    assert (await api.call("getFile", file_id="nope"))[
        "description"
    ] == "Bad Request: invalid file_id"
    url_file = await api.ok("getFile", file_id=file_id)
    missing = await api.client.get(
        f"{emu.base_url}/file/bot{emu.config.token}/{url_file['file_path']}"
    )
    assert missing.status_code == 404


async def test_each_media_kind(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    for method, key in [
        ("sendVideo", "video"),
        ("sendAudio", "audio"),
        ("sendDocument", "document"),
        ("sendAnimation", "animation"),
        ("sendVoice", "voice"),
    ]:
        response = await api.raw(
            method, data={"chat_id": str(user.id)}, files={key: (f"f.{key}", b"data", "x/y")}
        )
        body = response.json()
        assert body["ok"], body
        assert body["result"][key]["file_size"] == 4
        assert emu.validator.check_object("Message", body["result"]) == []
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_media_group_with_attachments(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    media = [
        {"type": "photo", "media": "attach://one", "caption": "first"},
        {"type": "video", "media": "attach://two"},
    ]
    response = await api.raw(
        "sendMediaGroup",
        data={"chat_id": str(user.id), "media": json.dumps(media)},
        files={"one": ("1.png", PNG, "image/png"), "two": ("2.mp4", b"vid", "video/mp4")},
    )
    messages = response.json()["result"]
    assert len(messages) == 2
    assert messages[0]["media_group_id"] == messages[1]["media_group_id"]
    assert messages[0]["caption"] == "first" and "video" in messages[1]
    one = [{"type": "photo", "media": "attach://one"}]
    single = await api.raw(
        "sendMediaGroup",
        data={"chat_id": str(user.id), "media": json.dumps(one)},
        files={"one": ("1.png", PNG, "image/png")},
    )
    assert single.json()["description"] == "Bad Request: media group must include 2-10 items"


async def test_user_photo_and_document_are_downloadable(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    photo_message = emu.ctl.send_photo(user, PNG, caption="animate this")
    doc_message = emu.ctl.send_document(
        user, b"%PDF-1.4", file_name="a.pdf", mime_type="application/pdf"
    )
    photo = photo_message["photo"][-1]
    assert (photo["width"], photo["height"]) == (640, 480)
    for file_id, content in [
        (photo["file_id"], PNG),
        (doc_message["document"]["file_id"], b"%PDF-1.4"),
    ]:
        info = await api.ok("getFile", file_id=file_id)
        got = await api.client.get(f"{emu.base_url}/file/bot{emu.config.token}/{info['file_path']}")
        assert got.content == content
    updates = await api.ok("getUpdates")
    assert updates[0]["message"]["caption"] == "animate this"
    assert updates[1]["message"]["document"]["file_name"] == "a.pdf"
    for update in updates:
        assert emu.validator.check_object("Update", update) == []
