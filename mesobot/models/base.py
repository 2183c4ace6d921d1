"""Shared column helpers and the constraint naming convention for every table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum
from sqlmodel import Field, SQLModel

from mesobot.db import UTCDateTime

# Named constraints let Alembic's SQLite batch mode drop and recreate them by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata


def enum_field(enum: type[StrEnum], **options: Any) -> Any:
    """A column holding a StrEnum's values as plain strings (no database-specific ENUM type)."""
    column_type = Enum(
        enum,
        native_enum=False,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
    )
    return Field(sa_type=column_type, **options)


def instant_field(*, nullable: bool = False, **options: Any) -> Any:
    """A column for an instant: timezone-aware in Python, UTC in the database."""
    return Field(sa_type=UTCDateTime(), nullable=nullable, **options)


__all__ = ["datetime", "enum_field", "instant_field", "metadata"]
