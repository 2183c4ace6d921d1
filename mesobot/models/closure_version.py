"""Which state the closures staff set are in, per clinic: the key of every cached calendar."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ClosureVersion(SQLModel, table=True):
    """A random token replaced in the same transaction as every change to `clinic_closure`.

    A process that cached a clinic's calendar reads this one row (a primary-key lookup) and
    rebuilds only when the token differs, so a /block committed by another process is seen by
    the next read. Random, not a counter: two databases (a test's, a restored backup, a staging
    copy) could count to the same number with different closures; they never draw one token.
    No row means no closure was ever stored: the migration adds a row for every clinic that
    had closures before this table existed.
    """

    __tablename__ = "closure_version"

    clinic_id: str = Field(max_length=40, primary_key=True)
    version: str = Field(max_length=32)
