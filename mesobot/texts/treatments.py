"""Texts of a treatment's information: its sessions, its cost and what it is, from the catalog."""

from __future__ import annotations

from gettext import NullTranslations

from mesobot.catalog import Treatment
from mesobot.texts import escape
from mesobot.texts.dates import money


def _span(t: NullTranslations, low: int, high: int) -> str:
    """A range of numbers in the reader's words ("14 to 21", "14 a 21")."""
    return t.gettext("{low} to {high}").format(low=low, high=high)


def _sessions_line(t: NullTranslations, treatment: Treatment) -> str:
    _ = t.gettext
    gap = treatment.gap_days
    low, high = treatment.sessions.min, treatment.sessions.max
    days = (
        "0" if gap is None else str(gap.min) if gap.min == gap.max else _span(t, gap.min, gap.max)
    )
    if treatment.extra_sessions_on_practitioner_advice:
        return _(
            "{low} session; the practitioner may add more (up to {high}), {gap} days apart."
        ).format(low=low, high=high, gap=days)
    count = str(low) if low == high else _span(t, low, high)
    if gap is None:
        return t.ngettext("{count} session.", "{count} sessions.", high).format(count=count)
    # Both counts are plural here: a course of several sessions, gaps of several days.
    return _("{count} sessions, {days} days apart.").format(count=count, days=days)


def _cost_line(t: NullTranslations, treatment: Treatment, *, language: str) -> str:
    _ = t.gettext
    counts = treatment.bookable_session_counts()
    low, _high = treatment.course_price(counts.start)
    _low, high = treatment.course_price(counts.stop - 1)
    currency = treatment.price_per_session.currency
    uninsured = _("Health insurance usually does not cover it.")
    if (
        treatment.extra_sessions_on_practitioner_advice
        and treatment.sessions.max > counts.stop - 1
    ):
        # Booked as the minimum; the practitioner may add sessions later, which cost more.
        _low, most = treatment.course_price(treatment.sessions.max)
        values = {
            "low": money(low, currency, language),
            "high": money(high, currency, language),
            "most": money(most, currency, language),
        }
        if counts.start == 1 and treatment.sessions.max == 2:
            cost = _(
                "<b>Cost:</b> {low} to {high} for one session, up to {most} if a second is needed."
            )
        else:
            cost = _(
                "<b>Cost:</b> {low} to {high} for the sessions you book, up to {most} if the "
                "practitioner adds more."
            )
        return " ".join([cost.format(**values), uninsured])
    return " ".join(
        [
            _("<b>Whole course:</b> {low} to {high}.").format(
                low=money(low, currency, language), high=money(high, currency, language)
            ),
            uninsured,
        ]
    )


def treatment_info(t: NullTranslations, treatment: Treatment, *, language: str) -> str:
    """What a treatment treats, its sessions, cost, contents and side effects, from the catalog."""
    _ = t.gettext
    lines = [
        f"<b>{escape(treatment.name.in_language(language))}</b>",
        escape(treatment.summary.in_language(language)),
        "",
        _("<b>Sessions:</b> {line}").format(line=_sessions_line(t, treatment)),
        _("<b>Each session:</b> {minutes} minutes.").format(minutes=treatment.session_minutes),
        _cost_line(t, treatment, language=language),
        _("<b>Contains:</b> {text}").format(text=escape(treatment.contents.in_language(language))),
        _("<b>Side effects:</b> {text}").format(
            text=escape(treatment.side_effects.in_language(language))
        ),
    ]
    if treatment.preparation is not None:
        lines.append(
            _("<b>Preparation:</b> {text}").format(
                text=escape(treatment.preparation.in_language(language))
            )
        )
    return "\n".join(lines)
