"""Other organisations' published figures, imported for comparison (issue 19, point 5).

Only what the other organisation published is kept: the provenance of its package and the
rows of its whole organisation, figures as published (suppressed rows without figures). The
package is read and checked once at import (``analysis.federation``); pages read these rows
and never download anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import Model
from survey.models.audit import utcnow


class ImportedPackage(Model):
    """One imported round of another organisation, with where it came from."""

    __tablename__ = "imported_packages"
    __table_args__ = (UniqueConstraint("publisher", "round_name", name="imported_publisher_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(1000))
    round_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer)
    license: Mapped[str] = mapped_column(String(200))
    license_url: Mapped[str | None] = mapped_column(String(1000))
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    created: Mapped[str] = mapped_column(String(40))  # the package's own "created"
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(320))

    figures: Mapped[list[ImportedFigure]] = relationship(
        back_populates="package", cascade="all, delete-orphan"
    )


class ImportedFigure(Model):
    """One whole-organisation cell of an imported package, exactly as published."""

    __tablename__ = "imported_figures"
    __table_args__ = (
        UniqueConstraint("package_id", "role", "index", name="imported_package_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("imported_packages.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    index: Mapped[str] = mapped_column(String(64))
    n: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    sd: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    compare_round: Mapped[str | None] = mapped_column(String(200))
    delta: Mapped[float | None] = mapped_column(Float)
    delta_ci_low: Mapped[float | None] = mapped_column(Float)
    delta_ci_high: Mapped[float | None] = mapped_column(Float)
    change: Mapped[str | None] = mapped_column(String(20))

    package: Mapped[ImportedPackage] = relationship(back_populates="figures")
