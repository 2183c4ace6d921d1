"""The clinic file (TOML): the clinic's name and time zone. Treatments arrive with the planner."""

from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator


class ClinicFileError(Exception):
    """The clinic file cannot be used; the message is one line naming the file and the field."""


class Clinic(BaseModel):
    """What the bot knows about the clinic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value


def load_clinic(path: Path) -> Clinic:
    """Read and check the clinic file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ClinicFileError(f"MESOBOT_CLINIC_FILE {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ClinicFileError(f"MESOBOT_CLINIC_FILE {path}: not valid TOML ({error})") from None
    try:
        return Clinic.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ClinicFileError(f"MESOBOT_CLINIC_FILE {path}: {where}: {first['msg']}") from None
