"""Errors the emulator answers with, in the shape the Bot API uses."""

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    """A failed call: HTTP status, Telegram's description and optional response parameters."""

    status: int
    description: str
    retry_after: int | None = None

    def to_response(self) -> dict[str, object]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, object] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """Return a 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """Return a 403 with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def conflict(reason: str) -> ApiError:
    """Return a 409 with Telegram's "Conflict: " prefix."""
    return ApiError(409, f"Conflict: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return Telegram's flood-control answer."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
