"""Long HTML split into Telegram messages: never over the limit, never inside a tag or entity."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st

from mesobot.texts import escape
from mesobot.texts.splitting import fitted, shows_nothing, split_html_messages


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, _attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1:] == [tag], (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_entityref(self, name: str) -> None:
        self.text += f"&{name};"

    def handle_charref(self, name: str) -> None:
        self.text += f"&#{name};"


def _well_formed(message: str) -> str:
    """The message's text content; fails when a tag or an entity is cut."""
    # An entity cut in two leaves "&am" at the end of one message; its tail "p;" at the start
    # of the next could be ordinary text (a line may begin with ";"), so the end is what counts.
    assert not re.search(r"&[#A-Za-z0-9]*$", message), message
    assert message.count("<") == message.count(">"), message
    parser = _Balance()
    parser.feed(message)
    parser.close()
    assert parser.stack == [], message
    return parser.text


def test_an_agenda_of_60_sessions_splits_between_lines() -> None:
    lines = ["<b>Agenda of Mon, 7 Dec 2026</b>"] + [
        f"<b>{9 + n // 6:02d}:{n % 6 * 10:02d}</b> <code>ABC{n:03d}</code> "
        f"{escape('Ana & <Bo> ' * 8)} · facial rejuvenation {n % 4 + 1}/4 · confirmed"
        for n in range(60)
    ]
    messages = split_html_messages(lines)
    assert len(messages) > 1
    assert all(_units(m) <= 4096 for m in messages)
    assert "\n".join(messages) == "\n".join(lines)  # nothing lost, nothing cut inside a line
    for message in messages:
        _well_formed(message)


def test_a_line_longer_than_the_limit_is_cut_between_entities_with_tags_reopened() -> None:
    line = "<b>" + "&amp;é" * 50 + "</b><i>x</i>"
    messages = split_html_messages([line], limit=40)
    assert all(_units(m) <= 40 for m in messages)
    texts = [_well_formed(m) for m in messages]
    assert "".join(texts) == "&amp;é" * 50 + "x"
    assert all(m.startswith("<b>") for m in messages[:-1])


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80).map(escape),
            st.text(max_size=30).map(lambda s: f"<b>{escape(s)}</b> <i>{escape(s)}</i>"),
        ),
        max_size=30,
    ),
    st.integers(min_value=40, max_value=300),
)
@example(lines=[";"], limit=40)  # a line that begins with ";" is not the tail of an entity
@example(lines=[" "], limit=40)  # a message of whitespace alone is left out...
@example(lines=["\x85"], limit=40)  # ...whitespace by Python's count too...
@example(lines=[" " * 50, "x" * 40], limit=40)  # ...and not only as the last message
def test_any_escaped_lines_split_within_the_limit_and_lose_only_what_shows_nothing(
    lines: list[str], limit: int
) -> None:
    messages = split_html_messages(lines, limit=limit)
    assert all(_units(m) <= limit for m in messages)
    assert not any(shows_nothing(m) for m in messages), messages
    original = "".join(_well_formed(line) for line in lines).replace("\n", "")
    _in_order_with_only_nothing_between(
        [_well_formed(m).replace("\n", "") for m in messages], original
    )


def _in_order_with_only_nothing_between(texts: list[str], original: str) -> None:
    """Fails unless `original` is `texts` in order, apart from runs that show nothing.

    Taking each text at its first place after a run that shows nothing is exact: were the text
    in truth further on, it would begin with that run and repeat with its period, so it would
    show nothing itself, and no message does.
    """
    position = 0
    for text in texts:
        start = position
        while not original.startswith(text, start):
            assert start < len(original), (text, original)
            assert shows_nothing(original[start]), (text, original)
            start += 1
        position = start + len(text)
    assert shows_nothing(original[position:]), original[position:]


def _report(description: str) -> str:
    return f"<b>Report #1</b>\nDescription: {description}\nState: <i>open</i>"


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400),
    st.integers(min_value=80, max_value=400),
)
@example(value="&" * 200, limit=100)  # escaped five times as long: cut between entities
@example(value="😀" * 100, limit=100)  # two units each
def test_a_value_too_long_for_one_message_is_cut_with_the_pointer_after_it(
    value: str, limit: int
) -> None:
    """Whole when it fits; otherwise its beginning (cut in the plain text, so never inside an
    entity), "… " and the pointer, with every other line of the message kept."""
    message = fitted(_report, value, "(more in /reports)", limit=limit)
    assert _units(message) <= limit
    shown = _well_formed(message)
    assert shown.endswith("\nState: open")
    kept = shown.removeprefix("Report #1\nDescription: ").removesuffix("\nState: open")
    if _units(_report(escape(value))) <= limit:
        assert message == _report(escape(value))
    else:
        assert kept.endswith("… (more in /reports)")
        assert value.startswith(html.unescape(kept.removesuffix("… (more in /reports)")))
