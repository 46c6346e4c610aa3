"""Import, list and remove other organisations' published packages; their rows for comparison.

The download is a bounded request made on the staff member's action (a short timeout, a size
limit, http or https only), never at page-render time: the checked figures are stored
(``survey.models.federation``) and the pages read only those. Checking is
``analysis.federation``; a package with any problem stores nothing.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

import pandas as pd
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.errors import say
from analysis.federation import DESCRIPTOR, FIGURE_COLUMNS, TABLE, read_descriptor, read_package
from analysis.federation_compare import Column
from survey.models import ImportedFigure, ImportedPackage, QuestionnaireSnapshot, Round
from survey.models.enums import FINISHED
from survey.services.audit import audit
from survey.services.errors import InputError, StateError

WANTED = (DESCRIPTOR, TABLE)
CHUNK = 64 * 1024


def instruments(session: Session) -> set[tuple[str, str]]:
    """The (instrument id, version) pairs this installation has results for."""
    rows = session.execute(
        select(QuestionnaireSnapshot.instrument, QuestionnaireSnapshot.version)
        .join(Round, Round.snapshot_id == QuestionnaireSnapshot.id)
        .where(Round.status.in_(FINISHED))
    ).all()
    return {(str(i), str(v)) for i, v in rows}


def comparable(session: Session) -> set[tuple[str, str]]:
    """:func:`instruments`, or a StateError when there is no closed round to compare with
    (asked before anything is downloaded)."""
    have = instruments(session)
    if not have:
        raise StateError(say("Det finns ingen stängd omgång att jämföra med."))
    return have


def _get(url: str, timeout: float, max_bytes: int) -> bytes:
    try:
        with requests.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                raise InputError(
                    say("Servern svarade %(status)s för %(url)s.", status=response.status_code,
                        url=url)
                )  # fmt: skip
            body = bytearray()
            for chunk in response.iter_content(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(say("Filen är större än %(mb)s MB.", mb=max_bytes >> 20))
            return bytes(body)
    except requests.Timeout:
        raise InputError(
            say("Servern svarade inte inom %(seconds)s sekunder.", seconds=timeout)
        ) from None
    except requests.RequestException as e:
        raise InputError(
            say("Adressen gick inte att hämta (%(reason)s).", reason=type(e).__name__)
        ) from None


def fetch(url: str, timeout: float, max_bytes: int) -> dict[str, bytes]:
    """``datapackage.json`` at ``url`` and the ``aggregates.csv`` beside it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(say("Adressen måste börja med http:// eller https://."))
    files = {DESCRIPTOR: _get(url, timeout, max_bytes)}
    read_descriptor(files[DESCRIPTOR])  # not JSON: said before anything else is fetched
    # The table is fetched from beside the descriptor by our own name for it, never by a path
    # the package names: a package cannot send the request anywhere else.
    files[TABLE] = _get(urljoin(url, TABLE), timeout, max_bytes)
    return files


def unpack(uploads: Iterable[tuple[str, bytes]], max_bytes: int) -> dict[str, bytes]:
    """The package's files from uploaded files: a zip holding them, or the files themselves."""
    files: dict[str, bytes] = {}
    for name, content in uploads:
        if len(content) > max_bytes:
            raise InputError(say("Filen är större än %(mb)s MB.", mb=max_bytes >> 20))
        if zipfile.is_zipfile(io.BytesIO(content)):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for info in archive.infolist():
                    base = info.filename.rsplit("/", 1)[-1]
                    if base in WANTED and base not in files:
                        if info.file_size > max_bytes:
                            raise InputError(
                                say("Filen är större än %(mb)s MB.", mb=max_bytes >> 20)
                            )
                        files[base] = archive.read(info)
        elif name.rsplit("/", 1)[-1] in WANTED:
            files[name.rsplit("/", 1)[-1]] = content
        else:
            raise InputError(
                say("%(name)s är varken en zip-fil eller %(d)s eller %(t)s.", name=name,
                    d=DESCRIPTOR, t=TABLE)
            )  # fmt: skip
    return files


def import_package(
    session: Session, files: dict[str, bytes], source: str, publisher: str | None, actor: str
) -> ImportedPackage:
    """Check ``files`` and store the package's whole-organisation figures; flush, no commit."""
    have = comparable(session)
    received = read_package(files, have, source[:1000], publisher)
    p = received.provenance
    known = session.scalar(
        select(ImportedPackage).where(
            ImportedPackage.publisher == p.publisher, ImportedPackage.round_name == p.round_name
        )
    )
    if known is not None:
        raise StateError(
            say("%(round)s från %(publisher)s är redan importerad.", round=p.round_name,
                publisher=p.publisher)
        )  # fmt: skip
    digest = hashlib.sha256(files[DESCRIPTOR] + b"\0" + files[TABLE]).hexdigest()
    package = ImportedPackage(
        publisher=p.publisher[:200],
        source=p.source,
        round_name=p.round_name[:200],
        year=p.year,
        k=p.k,
        license=p.license[:200],
        license_url=p.license_url,
        questionnaire_id=p.questionnaire_id,
        questionnaire_version=p.questionnaire_version,
        created=p.created[:40],
        sha256=digest,
        imported_by=actor,
    )
    for record in received.figures.to_dict("records"):
        values = {c: (None if pd.isna(record[c]) else record[c]) for c in FIGURE_COLUMNS}
        values["suppressed"] = bool(values["suppressed"])
        package.figures.append(ImportedFigure(**values))
    session.add(package)
    session.flush()
    audit(session, "federation.import", actor, publisher=p.publisher, round=p.round_name,
          source=p.source, sha256=digest)  # fmt: skip
    return package


def packages(session: Session) -> list[ImportedPackage]:
    """Every imported package, by publisher and then newest year first."""
    return list(
        session.scalars(
            select(ImportedPackage).order_by(
                ImportedPackage.publisher, ImportedPackage.year.desc(), ImportedPackage.id
            )
        )
    )


def remove_package(session: Session, package_id: int, actor: str) -> ImportedPackage | None:
    """Delete an imported package and its figures; None when there is no such package."""
    package = session.get(ImportedPackage, package_id)
    if package is None:
        return None
    audit(session, "federation.remove", actor, publisher=package.publisher,
          round=package.round_name)  # fmt: skip
    session.delete(package)
    session.flush()
    return package


def columns(session: Session, instrument: str, version: str) -> list[Column]:
    """Every imported round of the same instrument and version, as comparison columns."""
    found = session.scalars(
        select(ImportedPackage)
        .where(
            ImportedPackage.questionnaire_id == instrument,
            ImportedPackage.questionnaire_version == version,
        )
        .order_by(ImportedPackage.publisher, ImportedPackage.year, ImportedPackage.id)
    ).all()
    out = []
    for package in found:
        rows = pd.DataFrame(
            [{c: getattr(f, c) for c in FIGURE_COLUMNS} for f in package.figures],
            columns=list(FIGURE_COLUMNS),
        )
        out.append(Column(package.publisher, package.round_name, package.year, rows))
    return out
