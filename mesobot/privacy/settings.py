"""How long the clinic keeps what (the clinic file's `[retention]`), with the reason for each."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RetentionSettings(BaseModel):
    """Retention limits; a daily job enforces them (mesobot.privacy.retention).

    The defaults follow a clinic in Spain, the strictest common case we know of; a clinic
    elsewhere changes them in its clinic file (README, Data kept).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Spain's law on patients' records (Ley 41/2002, art. 17) asks for at least five years
    # after the last visit; the record is anonymised after that.
    clinical_record_years: int = Field(default=5, ge=1, le=100)
    # Sent, cancelled and dropped messages are kept this long for "was it sent?" questions...
    delivered_message_days: int = Field(default=90, ge=1, le=3650)
    # ...but a handed-over reply's payload, its text, is emptied after this many days: what
    # was said is not needed to answer whether it was sent (other payloads hold only ids).
    message_payload_days: int = Field(default=7, ge=0, le=3650)
    # Unfinished bookings are deleted this many days after they expire.
    draft_days: int = Field(default=7, ge=0, le=3650)
    # A closed report's photos and description are removed this many days after it closed:
    # the reaction itself stays in the clinical record, its pictures are not needed for years.
    photo_days: int = Field(default=365, ge=1, le=3650)
    # Staff actions and views stay attributable this long, then lose who they were about.
    audit_years: int = Field(default=5, ge=1, le=100)

    @model_validator(mode="after")
    def _payloads_before_rows(self) -> Self:
        if self.message_payload_days > self.delivered_message_days:
            raise ValueError("message_payload_days must not exceed delivered_message_days")
        return self
