"""Button data of calendar feeds: ask for a subscription link, or replace the one there is."""

from __future__ import annotations

from dataclasses import dataclass

from mesobot.callbacks import ButtonData, button


@button("fd")
@dataclass(frozen=True)
class FeedLink(ButtonData):
    """A link for whoever taps it: their own feed as a patient, the clinic's as staff.

    It names nobody: the tapping user is looked up when it is pressed. `replace` False asks
    for a link, and shows the existing one's date instead of replacing it."""

    replace: bool
