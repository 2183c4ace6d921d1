"""Care message kinds: rendered in the recipient's language when sent, with late policies.

Reminders past their session are dropped; preparation, aftercare and check-ins go late with
wording for their lateness; everything for staff always goes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.callbacks import CallbackCodec
from mesobot.care import buttons
from mesobot.care.additions import digest_additions
from mesobot.care.alerts import addition_text, alert_text, digest_text
from mesobot.care.models import CarePreference, CheckInAnswer, ReactionReport, ReportState
from mesobot.care.reports import (
    REPORT_ADDITION,
    REPORT_ALERT,
    REPORT_FOLLOW_UP,
    REPORT_GROUP,
)
from mesobot.care.schedule import (
    AFTERCARE,
    CHECK_IN,
    CHECK_IN_SILENCE,
    EARLY_PREPARATION,
    NO_SHOW,
    PREPARATION,
    reminder_kind,
)
from mesobot.care.subjects import (
    Subject,
    load_subject,
    patient_contact,
    treatment_healing,
)
from mesobot.catalog import LocalizedText
from mesobot.clinic import Clinic
from mesobot.i18n import translations
from mesobot.lifecycle import session_cause
from mesobot.models import Appointment, Patient, SessionState
from mesobot.outbox.api import MessageState, messages_for_cause
from mesobot.outbox.policies import (
    ALWAYS_SEND,
    Button,
    KindRegistry,
    LateAction,
    LatePolicy,
    RenderedMessage,
    RenderRequest,
)
from mesobot.privacy.consent import has_consent
from mesobot.texts import care as texts
from mesobot.texts import care_staff as staff_texts
from mesobot.texts import escape
from mesobot.texts.dates import clock_label, day_label

if TYPE_CHECKING:
    from mesobot.services import Services

# Tips and check-ins: late, they still help, said with their lateness; very late, they do not.
_TIP_POLICY = LatePolicy(
    action=LateAction.SEND_WITH_LATENESS,
    grace=timedelta(minutes=15),
    max_lateness=timedelta(days=7),
)


def _fill(text: LocalizedText, language: str, **values: str) -> str:
    # Clinic texts are plain text: escaped whole, then the placeholders filled in (escaped).
    result = escape(text.in_language(language))
    for key, value in values.items():
        result = result.replace("{" + key + "}", escape(value))
    return result


def _late(request: RenderRequest, text: str) -> str:
    if request.late_by is None:
        return text
    return f"{text}\n\n{texts.late_note(translations(request.language), request.late_by)}"


async def tips_paused(session: AsyncSession, patient: Patient) -> bool:
    """Whether the patient gets no tips and check-ins: paused with /notifications, or consent
    withdrawn (`mesobot.privacy.consent`)."""
    if not has_consent(patient):
        return True
    preference = await session.get(CarePreference, patient.id) if patient.id else None
    return bool(preference and preference.tips_paused)


class CareRenderers:
    """The renderers, bound to the running bot's clinic, clock and codec."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.clinic: Clinic = services.clinic
        self.codec: CallbackCodec = services.codec

    def _values(self, subject: Subject, language: str) -> dict[str, str]:
        clinic = self.clinic.clinic
        treatment = self.clinic.treatments.get(subject.course.treatment)
        return {
            "clinic": clinic.name,
            "phone": clinic.phone,
            "emergency_phone": clinic.emergency_phone,
            "treatment": (
                treatment.name.in_language(language) if treatment else subject.course.treatment
            ),
            "date": day_label(subject.appointment.local_date, language),
            "time": clock_label(subject.appointment.local_time),
            "healing": treatment_healing(self.clinic, subject.course.treatment, language),
            "minutes": str(treatment.session_minutes if treatment else 30),
        }

    async def _upcoming(self, request: RenderRequest) -> Subject | None:
        """The message's session while it is still confirmed and ahead; None once it is not
        (cancelled, moved back to staff, or begun): reminders and preparation are then moot."""
        subject = await load_subject(
            request.session, request.message.payload.get("appointment_id")
        )
        if subject is None or subject.appointment.state != SessionState.CONFIRMED:
            return None
        if self.services.clock.now() >= subject.appointment.start_utc:
            return None
        return subject

    async def reminder(self, request: RenderRequest) -> RenderedMessage | None:
        """A reminder with I'll be there / I need to move it."""
        subject = await self._upcoming(request)
        if subject is None:
            return None
        t = translations(request.language)
        there, reschedule = texts.reminder_buttons(t)
        appointment_id = subject.appointment.id
        assert appointment_id is not None
        return RenderedMessage(
            _fill(
                self.clinic.care.texts.reminder,
                request.language,
                **self._values(subject, request.language),
            ),
            (
                (
                    Button(there, self.codec.encode(buttons.ReminderAnswer(appointment_id, True))),
                    Button(
                        reschedule,
                        self.codec.encode(buttons.ReminderAnswer(appointment_id, False)),
                    ),
                ),
            ),
        )

    async def preparation(self, request: RenderRequest) -> RenderedMessage | None:
        """What to expect, and the treatment's own preparation (cortisone for blepharoplasty)."""
        subject = await self._upcoming(request)
        if subject is None:
            return None
        if await tips_paused(request.session, subject.patient):
            return None
        language = request.language
        text = _fill(
            self.clinic.care.texts.preparation, language, **self._values(subject, language)
        )
        treatment = self.clinic.treatments.get(subject.course.treatment)
        if treatment is not None and treatment.preparation is not None:
            text += "\n\n" + escape(treatment.preparation.in_language(language))
        return RenderedMessage(_late(request, text))

    async def early_preparation(self, request: RenderRequest) -> RenderedMessage | None:
        """The treatment's own preparation, at confirmation or some days ahead: in time to get
        what it needs (a cortisone prescription for blepharoplasty)."""
        subject = await self._upcoming(request)
        if subject is None or await tips_paused(request.session, subject.patient):
            return None
        treatment = self.clinic.treatments.get(subject.course.treatment)
        if treatment is None or treatment.preparation is None:
            return None
        language = request.language
        values = self._values(subject, language)
        days = request.message.payload.get("days")
        heading = texts.early_preparation(
            translations(language),
            treatment=escape(values["treatment"]),
            date=escape(values["date"]),
            time=values["time"],
            days=None if days is None else int(days),
        )
        text = f"{heading}\n\n{escape(treatment.preparation.in_language(language))}"
        return RenderedMessage(_late(request, text))

    async def _followed_up(self, request: RenderRequest) -> Subject | None:
        """The message's session once it is done (or still confirmed, at its end), for a
        patient who takes tips; None otherwise: aftercare and check-ins are then not sent."""
        subject = await load_subject(
            request.session, request.message.payload.get("appointment_id")
        )
        if subject is None or subject.appointment.state not in (
            SessionState.DONE,
            SessionState.CONFIRMED,
        ):
            return None
        if await tips_paused(request.session, subject.patient):
            return None
        return subject

    async def aftercare(self, request: RenderRequest) -> RenderedMessage | None:
        """What is normal after the session, what helps, and when to contact the clinic."""
        subject = await self._followed_up(request)
        if subject is None:
            return None
        language = request.language
        text = _fill(self.clinic.care.texts.aftercare, language, **self._values(subject, language))
        extra = self.clinic.care.aftercare_by_treatment.get(subject.course.treatment)
        if extra is not None:
            text += "\n\n" + escape(extra.in_language(language))
        return RenderedMessage(_late(request, text))

    async def check_in(self, request: RenderRequest) -> RenderedMessage | None:
        """How is the treated area? All fine / Mild, expected effects / Something unusual."""
        payload = request.message.payload
        subject = await self._followed_up(request)
        if subject is None:
            return None
        language = request.language
        day = int(payload["day"])
        appointment_id = subject.appointment.id
        assert appointment_id is not None
        labels = texts.check_in_buttons(translations(language))
        row = tuple(
            Button(label, self.codec.encode(buttons.CheckInReply(appointment_id, day, answer)))
            for answer, label in enumerate(labels)
        )
        text = _fill(self.clinic.care.texts.check_in, language, **self._values(subject, language))
        return RenderedMessage(_late(request, text), tuple((button,) for button in row))

    async def check_in_silence(self, request: RenderRequest) -> RenderedMessage | None:
        """To staff, only if the patient left this check-in and the one before unanswered."""
        payload = request.message.payload
        subject = await load_subject(request.session, payload.get("appointment_id"))
        if subject is None:
            return None
        days = [int(payload["previous_day"]), int(payload["day"])]
        if not await _both_sent_unanswered(request.session, subject.appointment, days):
            return None
        values = self._values(subject, request.language)
        patient, phone = patient_contact(subject.patient, subject.course)
        return RenderedMessage(
            staff_texts.silence_alert(
                translations(request.language),
                patient=patient,
                phone=escape(phone),
                treatment=values["treatment"],
                date=values["date"],
            )
        )

    async def no_show(self, request: RenderRequest) -> RenderedMessage | None:
        """Offers a new date to a patient who did not come."""
        subject = await load_subject(
            request.session, request.message.payload.get("appointment_id")
        )
        if subject is None or subject.appointment.state != SessionState.NO_SHOW:
            return None
        date_text = day_label(subject.appointment.local_date, request.language)
        return RenderedMessage(texts.no_show(translations(request.language), date=date_text))

    async def report_alert(self, request: RenderRequest) -> RenderedMessage | None:
        """The staff alert: patient, phone, treatment, session, signs, answers, photo."""
        payload = request.message.payload
        report = await request.session.get(ReactionReport, int(payload["report_id"]))
        if report is None or report.state == ReportState.CLOSED:
            return None
        round_number = int(payload.get("round", 0))
        if round_number > 0 and report.state != ReportState.OPEN:
            return None  # acknowledged meanwhile: the re-send has nothing to ask for
        text = await alert_text(
            request.session, self.services, report, request.language, round_number=round_number
        )
        t = translations(request.language)
        acknowledge, call = staff_texts.alert_buttons(t)
        assert report.id is not None
        row = (
            Button(acknowledge, self.codec.encode(buttons.ReportAck(report.id, False))),
            Button(call, self.codec.encode(buttons.ReportAck(report.id, True))),
        )
        return RenderedMessage(text, (row,), photo_file_id=report.photo_file_id)

    async def report_addition(self, request: RenderRequest) -> RenderedMessage | None:
        """A digest of what the patient added to a report: read from the report's additions
        at send time (the message holds their ids, never their text)."""
        message = request.message
        report = await request.session.get(ReactionReport, int(message.payload["report_id"]))
        if report is None or report.state == ReportState.CLOSED:
            return None
        if "first" not in message.payload:  # queued before digests: it says where to look
            return RenderedMessage(await addition_text(request.session, report, request.language))
        additions, last_of_hour = await digest_additions(request.session, message)
        if not additions:
            return None
        text = await digest_text(
            request.session,
            self.services,
            report,
            additions,
            request.language,
            last_of_hour=last_of_hour,
        )
        photos = [addition.photo_file_id for addition in additions if addition.photo_file_id]
        return RenderedMessage(text, photo_file_id=photos[-1] if photos else None)

    async def report_group(self, request: RenderRequest) -> RenderedMessage | None:
        """The group notice: the report's number and session code, never a health detail."""
        report_id = int(request.message.payload["report_id"])
        report = await request.session.get(ReactionReport, report_id)
        appointment = (
            await request.session.get(Appointment, report.appointment_id)
            if report is not None and report.appointment_id is not None
            else None
        )
        code = appointment.code if appointment is not None else None
        return RenderedMessage(
            staff_texts.group_notice(
                translations(request.language), report_id=report_id, code=code
            )
        )

    async def report_follow_up(self, request: RenderRequest) -> RenderedMessage | None:
        """Tells the patient that staff have their report (never paused)."""
        t = translations(request.language)
        if request.message.payload.get("call"):
            return RenderedMessage(texts.staff_will_call(t))
        return RenderedMessage(texts.staff_seen(t))


async def _both_sent_unanswered(
    session: AsyncSession, appointment: Appointment, days: list[int]
) -> bool:
    sent = await messages_for_cause(
        session=session,
        cause=session_cause(appointment.id),
        kinds=[CHECK_IN],
        states=[MessageState.SENT],
    )
    sent_days = {int(message.payload.get("day", 0)) for message in sent}
    if not set(days) <= sent_days:
        return False
    answered = (
        await session.exec(
            select(CheckInAnswer.day).where(
                CheckInAnswer.appointment_id == appointment.id, col(CheckInAnswer.day).in_(days)
            )
        )
    ).all()
    return not answered


def register_care_kinds(services: Services) -> None:
    """Add every care kind to the outbox, bound to the running bot's services."""
    kinds: KindRegistry = services.outbox_kinds
    renderers = CareRenderers(services)
    patient_kinds: list[
        tuple[str, Callable[[RenderRequest], Awaitable[RenderedMessage | None]], LatePolicy]
    ] = [
        (PREPARATION, renderers.preparation, _TIP_POLICY),
        (EARLY_PREPARATION, renderers.early_preparation, _TIP_POLICY),
        (AFTERCARE, renderers.aftercare, _TIP_POLICY),
        (CHECK_IN, renderers.check_in, _TIP_POLICY),
        (NO_SHOW, renderers.no_show, LatePolicy(action=LateAction.SEND_WITH_LATENESS)),
        (REPORT_FOLLOW_UP, renderers.report_follow_up, ALWAYS_SEND),
    ]
    for hours in services.clinic.care.reminder_hours_before:
        # Past the session (its offset late), a reminder is dropped: it can only confuse.
        policy = LatePolicy(action=LateAction.SEND, max_lateness=timedelta(hours=hours))
        patient_kinds.append((reminder_kind(hours), renderers.reminder, policy))
    for name, render, policy in patient_kinds:
        kinds.register(name, render=render, late_policy=policy)
    for name, render in (
        (CHECK_IN_SILENCE, renderers.check_in_silence),
        (REPORT_ALERT, renderers.report_alert),
        (REPORT_ADDITION, renderers.report_addition),
        (REPORT_GROUP, renderers.report_group),
    ):
        kinds.register(name, render=render, late_policy=ALWAYS_SEND, for_staff=True)


def install_care(services: Services) -> None:
    """Register the care message kinds and the session observer that schedules them."""
    from mesobot.care.schedule import on_sessions_changed

    register_care_kinds(services)
    services.session_observers.append(on_sessions_changed)
