"""The demo's web page and the small JSON API behind it (aiohttp, loopback by default)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from aiohttp import web

from mesobot_demo.world import PATIENT_PHONE, DemoWorld

STATIC = Path(__file__).parent / "static"
WORLD = web.AppKey("world", DemoWorld)
LONG_POLL_SECONDS = 10.0
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Sent by the page with every action. Another site cannot add it without asking the demo first
# (a CORS preflight, which the demo never grants), so it cannot act through a visitor's browser.
ACTION_HEADER = "X-Mesobot-Demo"


@web.middleware
async def _own_page_only(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.method != "GET" and request.headers.get(ACTION_HEADER) != "1":
        raise web.HTTPForbidden(text="the demo's actions answer its own page only")
    response: web.StreamResponse = await handler(request)
    return response


def make_app(world: DemoWorld) -> web.Application:
    """The page at /, its script and style, and the API the script calls."""
    app = web.Application(
        client_max_size=MAX_PHOTO_BYTES + 64 * 1024, middlewares=[_own_page_only]
    )
    app[WORLD] = world
    app.router.add_get("/", _index)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/state", _state)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/keyboard", _keyboard)
    app.router.add_post("/api/photo", _photo)
    app.router.add_post("/api/time", _time)
    app.router.add_get("/api/file/{file_id}", _file)
    return app


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def _state(request: web.Request) -> web.Response:
    """The whole state; with ?since=V, waits (up to 10 s) for something newer than V."""
    world = request.app[WORLD]
    since = request.query.get("since")
    if since is not None and since.isdigit():
        with contextlib.suppress(TimeoutError):
            await world.emulator.wait_for(
                lambda: world.version() != int(since), within=LONG_POLL_SECONDS
            )
    return web.json_response(await world.state())


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _pane(world: DemoWorld, body: dict[str, Any]) -> str:
    pane = body.get("pane")
    if pane not in ("patient", "staff", "group"):
        raise web.HTTPBadRequest(text="pane must be patient, staff or group")
    return str(pane)


async def _send(request: web.Request) -> web.Response:
    """Type a message; one starting with "/" is sent as a command, as Telegram's client does."""
    world = request.app[WORLD]
    body = await _json(request)
    pane = _pane(world, body)
    text = str(body.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="nothing to send")
    user, chat = world.who(pane)
    target = None if pane != "group" else chat
    if text.startswith("/"):
        command, _, arguments = text[1:].partition(" ")
        user.send_command(command.split("@")[0], arguments.strip(), chat=target)
    else:
        user.send_text(text, chat=target)
    return web.json_response({"ok": True})


async def _press(request: web.Request) -> web.Response:
    """Press an inline button of a message in a pane."""
    world = request.app[WORLD]
    body = await _json(request)
    user, chat = world.who(_pane(world, body))
    message = chat.message(int(body.get("message_id", 0)))
    if message is None or not message.from_bot:
        raise web.HTTPNotFound(text="no such message (deleted?)")
    data = str(body.get("data", ""))
    if data not in (button.get("callback_data") for button in message.buttons):
        raise web.HTTPBadRequest(text="the message has no such button")
    query = user.press_button(data=data, message=message)
    return web.json_response({"ok": True, "query": query.id})


async def _keyboard(request: web.Request) -> web.Response:
    """Press a button of the reply keyboard: it sends its text, or shares the phone."""
    world = request.app[WORLD]
    body = await _json(request)
    pane = _pane(world, body)
    user, chat = world.who(pane)
    markup = chat.reply_keyboard or {}
    buttons = [b for row in markup.get("keyboard", []) for b in row]
    button = next((b for b in buttons if _label(b) == body.get("text")), None)
    if button is None:
        raise web.HTTPBadRequest(text="the keyboard has no such button")
    if markup.get("one_time_keyboard"):
        chat.reply_keyboard = None  # the client hides it once used
    target = None if pane != "group" else chat
    if isinstance(button, dict) and button.get("request_contact"):
        user.send_contact(PATIENT_PHONE, chat=target)
    else:
        user.send_text(_label(button), chat=target)
    return web.json_response({"ok": True})


def _label(button: object) -> str:
    return str(button["text"]) if isinstance(button, dict) else str(button)


async def _photo(request: web.Request) -> web.Response:
    """The patient sends a photo (with an optional caption)."""
    world = request.app[WORLD]
    form = await request.post()
    upload = form.get("photo")
    if not isinstance(upload, web.FileField):
        raise web.HTTPBadRequest(text="no photo in the form")
    with upload.file:
        content = upload.file.read()
    caption = str(form.get("caption") or "").strip() or None
    user, _chat = world.who("patient")
    user.send_photo(content, caption=caption)
    return web.json_response({"ok": True})


async def _time(request: web.Request) -> web.Response:
    """The time machine: {"step": "next" | "hour" | "day"}."""
    world = request.app[WORLD]
    body = await _json(request)
    step = str(body.get("step"))
    if step not in ("next", "hour", "day"):
        raise web.HTTPBadRequest(text="step must be next, hour or day")
    note = await world.travel(step)
    # Let the woken dispatcher claim what fell due before the page looks again.
    await asyncio.sleep(0)
    return web.json_response({"ok": True, "note": note, "now": world.clock.now().isoformat()})


async def _file(request: web.Request) -> web.Response:
    """A file a message carries (a photo, the .ics), as a download for documents."""
    world = request.app[WORLD]
    stored = world.emulator.world.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound
    headers = {"X-Content-Type-Options": "nosniff"}
    mime = stored.mime_type or ""
    is_image = mime.startswith("image/") and mime != "image/svg+xml"  # SVG could hold script
    if not is_image:
        name = (stored.file_name or "file").replace('"', "")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    content_type = stored.mime_type if is_image else "application/octet-stream"
    return web.Response(body=stored.content, content_type=content_type, headers=headers)
