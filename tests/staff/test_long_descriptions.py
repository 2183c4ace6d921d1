"""A report description longer than one Telegram message once escaped is stored whole: staff
get its beginning in the alert, "(continued in /reports)", and all of it in /reports."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.care.alerts import alert_text
from mesobot.care.models import ReactionReport
from mesobot.texts import escape
from mesobot.texts.splitting import TELEGRAM_LIMIT
from tests.staff.conftest import Clinic, confirmed

# 3,899 characters, which the patient can send in one message; escaped, 5,399. Words of 26
# characters a group, so a cut by count alone lands inside a word.
DESCRIPTION = "".join(f"Swelling & <redness> {n:04d} " for n in range(150)).strip()
MORE = "(continued in /reports)"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _report_with_description(clinic: Clinic) -> int:
    """Ana, after her first session, reports an infection and sends the long description."""
    await confirmed(clinic)
    clinic.clock.set(datetime(2026, 12, 7, 11, 0, tzinfo=UTC))  # 12:00 in Madrid, after it
    ana = clinic.patient
    ana.send_command("report")
    question = await ana.next_bot_message(where=lambda m: "What do you see" in (m.text or ""))
    ana.press_button(clinic.services.clinic.care.signs["infection"].label.in_language("en"))
    prompt = await ana.next_bot_message(
        after=question, where=lambda m: "send a photo" in (m.text or "")
    )
    ana.send_text(DESCRIPTION, reply_to=prompt)
    await ana.next_bot_message(where=lambda m: "with your report" in (m.text or ""))
    async with clinic.services.database.read() as session:
        report = (await session.exec(select(ReactionReport))).one()
    assert report.id is not None
    return report.id


def _shown(message: Message) -> str:
    return message.text or message.caption or ""


async def test_a_long_description_is_stored_whole_cut_in_alerts_and_whole_in_reports(
    clinic: Clinic,
) -> None:
    assert len(DESCRIPTION) < TELEGRAM_LIMIT < len(escape(DESCRIPTION))
    report_id = await _report_with_description(clinic)
    async with clinic.services.database.read() as session:
        report = await session.get(ReactionReport, report_id)
        assert report is not None
        assert report.description == DESCRIPTION  # stored whole (it was cut at 2,000)
        alert = await alert_text(session, clinic.services, report, "en")
    # The alert (and its re-sends): one message, the description's beginning, a pointer.
    assert _units(alert) <= TELEGRAM_LIMIT
    assert alert.count("Swelling &amp; &lt;redness&gt;") > 10
    assert f"… {MORE}" in alert
    assert "State: open" in alert  # the lines after the description are all there
    # The digest of additions each staff member received: one message, the description's
    # beginning, a pointer to /reports.
    added = await clinic.rita.next_bot_message(
        after=None,
        where=lambda m: f"Report #{report_id}: the patient" in _shown(m) and MORE in _shown(m),
        within=10,
    )
    assert _units(added.text or "") <= TELEGRAM_LIMIT
    line = next(line for line in _shown(added).split("\n") if MORE in line)
    kept = line.split(" · ", 1)[1].split(f"… {MORE}", 1)[0]
    assert DESCRIPTION.startswith(kept)
    assert DESCRIPTION[len(kept.rstrip())] == " "  # cut between words, never inside one
    # /reports: the whole description, in as many messages as it takes, buttons on the last.
    count = len(clinic.rita.chat.messages)
    clinic.rita.send_command("reports")
    await clinic.emulator.wait_for(
        lambda: any(m.from_bot and m.buttons for m in clinic.rita.chat.messages[count:]),
        within=10,
    )
    parts = [m for m in clinic.rita.chat.messages[count:] if m.from_bot]
    assert len(parts) >= 2
    assert [bool(m.buttons) for m in parts] == [False] * (len(parts) - 1) + [True]
    shown = " ".join(" ".join(_shown(m).split()) for m in parts)
    assert DESCRIPTION in shown  # cut between two messages at a space, never lost
    assert MORE not in shown
    async with clinic.services.database.read() as session:
        ids = list(await session.exec(select(ReactionReport.id).order_by(col(ReactionReport.id))))
    assert ids == [report_id]
