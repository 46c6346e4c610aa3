"""The organisation tree of one year, and the reorganisation mapping between years."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import Model


class Unit(Model):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("year", "code", name="year_code"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("year BETWEEN 2000 AND 2200", name="year_range"),
        # One root per year's tree.
        Index(
            "uq_units_one_root_per_year",
            "year",
            unique=True,
            sqlite_where=text("parent_id IS NULL"),
            postgresql_where=text("parent_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # People in the unit and all its sub-units, when the organisation file gives it; a report
    # flags a unit whose responses exceed it (a sign of a stuffed open link).
    headcount: Mapped[int | None] = mapped_column(default=None)
    # People per role in the unit and all its sub-units (optional columns of the organisation
    # file): the population of the post-stratified estimates (analysis.estimates).
    headcount_employee: Mapped[int | None] = mapped_column(default=None)
    headcount_manager: Mapped[int | None] = mapped_column(default=None)
    headcount_specialist: Mapped[int | None] = mapped_column(default=None)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.year}:{self.code}>"


class UnitRemap(Model):
    """A reorganisation: ``old_code`` in the previous year became ``new_code`` in ``year``."""

    __tablename__ = "unit_remaps"
    __table_args__ = (UniqueConstraint("year", "old_code", "new_code", name="year_old_new"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    old_code: Mapped[str] = mapped_column(String(64))
    new_code: Mapped[str] = mapped_column(String(64))
