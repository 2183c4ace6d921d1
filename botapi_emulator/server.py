"""The emulator's HTTP face: /bot<token>/<method> and /file/bot<token>/<path> on 127.0.0.1."""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

import aiohttp
from aiohttp import web

from . import rules
from .driver import TelegramUser
from .errors import ApiError
from .faults import Fault, Faults, FloodControl, FloodLimits, counts_as_message
from .methods import METHODS
from .schema import BotApiSchema, Upload
from .state import CallbackQueryRecord, Chat, User
from .world import World

DEFAULT_TOKEN = "123456789:AAEmulatorTokenForMesobotTests_0000"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
T = TypeVar("T")


@dataclass
class ApiCall:
    """A call the emulator accepted."""

    method: str
    params: dict[str, Any]
    # When the emulator accepted it (time.perf_counter), for benchmarks' latencies.
    accepted_at: float = field(default_factory=time.perf_counter)


@dataclass
class Violation:
    """A call the emulator refused, as Telegram would have."""

    method: str
    status: int
    description: str
    params: dict[str, Any]


class BotApiEmulator:
    """A strict Bot API server for tests; every refused call is recorded as a violation."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "mesobot_test_bot",
        clock: Callable[[], float] = time.time,
        callback_answer_timeout: float = 15.0,
    ) -> None:
        self.token = token
        self.clock = clock
        bot = User(id=int(token.split(":")[0]), first_name="Mesobot", username=bot_username)
        bot.is_bot = True
        self.world = World(bot=bot, clock=clock, callback_answer_timeout=callback_answer_timeout)
        self.schema = BotApiSchema(rules.TYPE_CHECKS)
        self.flood = FloodControl(clock)
        self.faults = Faults()
        self.calls: list[ApiCall] = []
        self.call_counts: Counter[str] = Counter()
        self.violations: list[Violation] = []
        self.allow_unanswered_callbacks = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._background: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None

    # Lifecycle

    async def start(self) -> Self:
        """Listen on a free port of 127.0.0.1 and start webhook delivery."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # Cancelling the handler when the client hangs up ends an abandoned long poll at once.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._http = aiohttp.ClientSession()
        self._background.append(
            asyncio.create_task(self.world.updates.deliver_to_webhook(self._http))
        )
        return self

    async def stop(self) -> None:
        """Answer waiting polls, stop delivery and close the server."""
        self.world.updates.close()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Return the value for TELEGRAM_API_BASE_URL / ApplicationBuilder.base_url."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder.base_file_url."""
        return f"{self.url}/file/bot"

    # HTTP

    async def _handle_call(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        raw: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            raw, uploads, form = await _read_parameters(request)
            method = self.schema.canonical_method(name)
            if method is None:
                # Telegram answers an unknown method with 404, which PTB reports as
                # EndPointNotFound from do_api_request.
                raise ApiError(404, "Not Found")
            name = method
            params = self.schema.validate_call(method, raw, uploads, form=form)
            rules.check_parse_modes(params)
            result = await self._perform(method, params)
        except ApiError as error:
            self.violations.append(Violation(name, error.status, error.description, raw))
            self.world.changes.notify()
            return web.json_response(error.to_response(), status=error.status)
        except _InjectedFault as fault:
            return web.json_response(fault.error.to_response(), status=fault.error.status)
        self.calls.append(ApiCall(method, params))
        self.call_counts[method] += 1
        self.world.changes.notify()
        return web.json_response({"ok": True, "result": result})

    async def _perform(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        fault = self.faults.take(method, chat_id)
        if fault is not None:
            await asyncio.sleep(fault.delay)
            if (error := fault.error()) is not None:
                raise _InjectedFault(error)
        entry = self.flood.admit(chat_id) if counts_as_message(method) else None
        implementation = METHODS.get(method)
        try:
            # A method the emulator does not model, but whose call is valid, answers True.
            return await implementation(self.world, params) if implementation else True
        except ApiError:
            self.flood.withdraw(entry)
            raise

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized
        path = request.match_info["path"]
        stored = next((f for f in self.world.files.values() if f.file_path == path), None)
        if stored is None:
            raise web.HTTPNotFound
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # Violations

    @contextlib.contextmanager
    def expect_violation(self, fragment: str) -> Iterator[list[Violation]]:
        """Require a violation whose description contains fragment inside the block, and
        accept it."""
        start = len(self.violations)
        caught: list[Violation] = []
        try:
            yield caught
        finally:
            caught.extend(v for v in self.violations[start:] if fragment in v.description)
            for violation in caught:
                self.violations.remove(violation)
        if not caught:
            raise AssertionError(
                f"expected a violation containing {fragment!r}; "
                f"recorded: {[v.description for v in self.violations[start:]]}"
            )

    async def wait_for_violation(self, fragment: str, within: float = 5.0) -> Violation:
        """Wait for a violation containing fragment, made by the bot in the background, and
        accept it."""
        violation = await self.wait_for(
            lambda: next((v for v in self.violations if fragment in v.description), None),
            within,
        )
        self.violations.remove(violation)
        return violation

    def take_violations(self) -> list[Violation]:
        """Return and accept every violation recorded so far."""
        taken, self.violations = self.violations, []
        return taken

    def assert_clean(self) -> None:
        """Fail when a call was refused or a button press never answered, unless expected."""
        problems = [f"{v.method}: {v.status} {v.description}" for v in self.violations]
        if not self.allow_unanswered_callbacks:
            problems += [
                f"callback query {q.data!r} on {q.message.text!r} was never answered"
                for q in self.unanswered_callback_queries()
            ]
        if problems:
            raise AssertionError("Bot API violations:\n" + "\n".join(problems))

    # Behaviour switches

    def enable_flood_control(self, limits: FloodLimits | None = None) -> None:
        """Answer 429 beyond Telegram's limits (30 messages/s overall, 1/s per chat)."""
        self.flood.limits = limits or FloodLimits()

    def fail_next(
        self, method: str, *, times: int = 1, status: int = 500, chat_id: int | None = None
    ) -> None:
        """Make the next calls of method fail with status; not recorded as violations."""
        self.faults.add(Fault(method, times, chat_id, status=status))

    def delay_next(
        self, method: str, seconds: float, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Make the next calls of method answer only after seconds, to provoke timeouts."""
        self.faults.add(Fault(method, times, chat_id, delay=seconds))

    # Driver

    def create_user(
        self,
        first_name: str = "Anna",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> TelegramUser:
        """Create a Telegram user who has not started the bot yet."""
        user = self.world.add_user(
            first_name, username=username, last_name=last_name, language_code=language_code
        )
        return TelegramUser(self.world, user)

    def create_group(
        self, title: str = "Clinic staff", members: list[TelegramUser] | None = None
    ) -> Chat:
        """Create a supergroup with the bot and the given users in it."""
        return self.world.add_group(title, [member.user for member in members or []])

    def chat(self, chat_id: int) -> Chat:
        """Return a chat by id."""
        return self.world.chats[chat_id]

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        """Return the button presses the bot never answered."""
        return self.world.unanswered_callback_queries()

    async def wait_for(self, condition: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait until condition() is truthy and return it; TimeoutError after `within` seconds."""
        return await self.world.changes.wait_for(condition, within)

    async def wait_until_delivered(self, within: float = 5.0) -> None:
        """Wait until the bot has confirmed every update queued for it."""
        await self.wait_for(lambda: self.world.updates.idle, within)


class _InjectedFault(Exception):
    def __init__(self, error: ApiError) -> None:
        super().__init__(error.description)
        self.error = error


async def _read_parameters(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload], bool]:
    """Decode JSON, form-encoded, multipart or query-string parameters, as Telegram accepts."""
    if request.content_type == "application/json":
        body = await request.read()
        try:
            decoded = json.loads(body) if body else {}
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: can't parse JSON object")
        return decoded, {}, False
    fields: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                with value.file:  # aiohttp's temporary file: closed here, not left to GC
                    content = value.file.read()
                uploads[key] = Upload(value.filename, content, value.content_type)
            else:
                fields[key] = value
    return fields, uploads, True
