"""The bot's update queue: getUpdates with Telegram's offset and timeout rules, or a webhook."""

import asyncio
import itertools
import logging
import time

import aiohttp

from .errors import conflict
from .state import ApiObject, Changes

# Telegram leaves these out unless allowed_updates asks for them.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_LOGGER = logging.getLogger(__name__)


class UpdateQueue:
    """Updates waiting for the bot, handed out by long polling or pushed to a webhook."""

    def __init__(self, changes: Changes) -> None:
        self._changes = changes
        self._ids = itertools.count(1)
        self.pending: list[ApiObject] = []
        self.allowed_updates: list[str] | None = None
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_errors: list[str] = []
        self.max_connections = 40  # setWebhook's default
        self.webhook_attempts = 0  # POSTs made, answered or not
        self.webhook_deliveries = 0  # POSTs answered 2xx
        self.first_posted_at: dict[
            int, float
        ] = {}  # update_id -> time.monotonic() of its first POST
        self._poller: asyncio.Future[None] | None = None
        self._arrived = asyncio.Event()

    def push(self, kind: str, payload: ApiObject) -> ApiObject:
        """Queue an update of the given kind ("message", "callback_query", ...)."""
        update = {"update_id": next(self._ids), kind: payload}
        self.pending.append(update)
        self._wake_poller()
        self._arrived.set()
        self._changes.notify()
        return update

    @property
    def polling(self) -> bool:
        """Return whether a getUpdates request is waiting for updates."""
        return self._poller is not None and not self._poller.done()

    @property
    def idle(self) -> bool:
        """Return whether the bot has confirmed every update it was sent."""
        return not self.pending

    def confirm(self, offset: int) -> None:
        """Forget updates before offset; a negative offset keeps only the last -offset ones."""
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
        self._changes.notify()

    def drop_pending(self) -> None:
        """Forget every queued update, as deleteWebhook/setWebhook with drop_pending_updates."""
        self.pending.clear()
        self._changes.notify()

    def _deliverable(self, limit: int) -> list[ApiObject]:
        allowed = set(self.allowed_updates or ()) or _default_update_kinds(self.pending)
        return [update for update in self.pending if update.keys() & allowed][:limit]

    def _wake_poller(self, error: Exception | None = None) -> None:
        poller, self._poller = self._poller, None
        if poller is not None and not poller.done():
            if error is None:
                poller.set_result(None)
            else:
                poller.set_exception(error)

    async def poll(
        self,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[ApiObject]:
        """Answer getUpdates: confirm by offset, then return at once or wait up to wait_seconds."""
        if self.webhook_url:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        self._wake_poller(
            conflict(
                "terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
        )
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        if offset is not None:
            self.confirm(offset)
        ready = self._deliverable(limit)
        if ready or wait_seconds <= 0:
            return ready
        poller = self._poller = asyncio.get_running_loop().create_future()
        self._changes.notify()
        try:
            async with asyncio.timeout(wait_seconds):
                await poller
        except TimeoutError:
            pass
        finally:
            if self._poller is poller:
                self._poller = None
        return self._deliverable(limit)

    def close(self) -> None:
        """Answer a waiting getUpdates at once, so the server can shut down."""
        self._wake_poller()

    async def deliver_to_webhook(self, http: aiohttp.ClientSession) -> None:
        """Post queued updates to the webhook, as Telegram does: up to `max_connections` at
        once, each sender's updates one after another in order, every one again after a
        non-2xx answer or a failed connection (with a short backoff) until one is 2xx."""
        in_flight: dict[int, asyncio.Task[None]] = {}  # id() of the update -> its post
        try:
            while True:
                await self._arrived.wait()
                self._arrived.clear()
                for update in self._next_posts(in_flight):
                    post = self._post_until_taken(http, update, in_flight)
                    in_flight[id(update)] = asyncio.create_task(post)
        finally:
            for task in list(in_flight.values()):
                task.cancel()

    def _next_posts(self, in_flight: dict[int, asyncio.Task[None]]) -> list[ApiObject]:
        """Each sender's first pending update that is not being posted, within the limit."""
        if not self.webhook_url:
            return []
        room = self.max_connections - len(in_flight)
        seen: set[object] = set()
        ready: list[ApiObject] = []
        for update in self._deliverable(len(self.pending)):
            sender = _sender_of(update)
            if sender in seen:
                continue
            seen.add(sender)
            if id(update) not in in_flight and len(ready) < room:
                ready.append(update)
        return ready

    async def _post_until_taken(
        self,
        http: aiohttp.ClientSession,
        update: ApiObject,
        in_flight: dict[int, asyncio.Task[None]],
    ) -> None:
        try:
            await self._post_until_2xx(http, update)
        finally:
            in_flight.pop(id(update), None)
            self._arrived.set()  # the sender's next update may go now

    async def _post_until_2xx(self, http: aiohttp.ClientSession, update: ApiObject) -> None:
        backoff = 0.05
        while self.webhook_url and any(queued is update for queued in self.pending):
            self.webhook_attempts += 1
            self.first_posted_at.setdefault(update["update_id"], time.monotonic())
            if await self._post(http, self.webhook_url, update):
                self.webhook_deliveries += 1
                self.pending = [queued for queued in self.pending if queued is not update]
                self._changes.notify()
                break
            # Telegram backs off too; this keeps a failing webhook from spinning.
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    def deliver_again(self, update: ApiObject) -> None:
        """Queue an update already delivered once more, as Telegram does when it did not see
        the webhook's answer (a timeout): the same update_id, the same content."""
        self.pending.append(dict(update))
        self._arrived.set()
        self._changes.notify()

    async def _post(self, http: aiohttp.ClientSession, url: str, update: ApiObject) -> bool:
        headers = {}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        try:
            async with http.post(url, json=update, headers=headers) as response:
                if response.status < 300:
                    return True
                self.webhook_errors.append(f"Wrong response from the webhook: {response.status}")
        except aiohttp.ClientError as error:
            self.webhook_errors.append(f"Connection failed: {error}")
        return False

    def set_webhook(self, url: str, secret: str | None) -> None:
        """Route updates to url from now on, and wake the delivery loop."""
        self.webhook_url, self.webhook_secret = url or None, secret
        self._wake_poller()
        self._arrived.set()


def _sender_of(update: ApiObject) -> object:
    """Whose updates must arrive in order: the user, or the chat without one."""
    for key, part in update.items():
        if key != "update_id" and isinstance(part, dict):
            user = part.get("from") or part.get("chat") or {}
            return user.get("id")
    return None


def _default_update_kinds(updates: list[ApiObject]) -> set[str]:
    kinds = {key for update in updates for key in update if key != "update_id"}
    return kinds - _OPT_IN_UPDATES
