"""/validate: upload a coded dataset and get its report; the file is deleted once it is made.

The upload is written to a private temporary folder under its own (sanitised) name, so that
every message names the user's file, validated with the same code as ``ierkg validate``, and
removed before the response is sent. The rendered report (not the data) is kept in memory
for a few minutes so that its CSV, JSON and Turtle downloads work; nothing is written to disk.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from ierkg.datasets.classify import Placer, chart_counts
from ierkg.datasets.columns import parse_scale
from ierkg.datasets.rdf_input import FORMATS as RDF_SUFFIXES
from ierkg.datasets.rdf_input import is_rdf
from ierkg.datasets.reports import as_csv, as_json, turtle
from ierkg.datasets.tables import TABULAR_SUFFIXES
from ierkg.datasets.validation import Report, validate_rdf, validate_table
from ierkg.errors import IerkgError

blueprint = Blueprint("validate", __name__)
ACCEPTED = sorted(TABULAR_SUFFIXES | set(RDF_SUFFIXES))
DOWNLOADS = {"csv": ("text/csv", as_csv), "json": ("application/json", None), "ttl": ("text/turtle", turtle)}
KEEP_SECONDS = 600
KEEP_REPORTS = 32
SLOT_WAIT_SECONDS = 2.0  # how long an upload waits for a validation slot before a 503
FORM_OVERHEAD = 64 * 1024  # a form's own fields and boundaries, beside its file


class Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class _RecentReports:
    """Reports kept briefly for their downloads: at most KEEP_REPORTS, each KEEP_SECONDS."""

    def __init__(self) -> None:
        self._reports: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, renderings: dict[str, str]) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._reports[token] = (time.monotonic(), renderings)
            while len(self._reports) > KEEP_REPORTS:
                self._reports.popitem(last=False)
        return token

    def get(self, token: str, fmt: str) -> str | None:
        with self._lock:
            entry = self._reports.get(token)
            if entry is None or time.monotonic() - entry[0] > KEEP_SECONDS:
                self._reports.pop(token, None)
                return None
            return entry[1].get(fmt)


_recent = _RecentReports()


@blueprint.route("/validate", methods=["GET", "POST"])
def page() -> Response | str | tuple[str, int]:
    settings = current_app.config["IERKG"]
    if request.method == "GET":
        return render_template("validate.html", accepted=ACCEPTED, limit=settings.max_upload_bytes)
    try:
        report, cells = validate_upload()
    except Refusal as refusal:
        page = render_template(
            "validate.html", accepted=ACCEPTED, limit=settings.max_upload_bytes, error=refusal.message
        )
        return page, refusal.status
    renderings = {"csv": as_csv(report), "json": as_json(report, cells), "ttl": turtle(report)}
    token = _recent.keep(renderings)
    groups: dict[tuple[str, str], list] = {}
    for finding in report.findings:
        groups.setdefault((finding.severity, finding.message), []).append(finding)
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return render_template(
        "validate_report.html",
        report=report,
        groups=sorted(groups.items(), key=lambda item: (order[item[0][0]], -len(item[1]), item[0][1])),
        cells=cells,
        token=token,
    )


@blueprint.route("/validate/report/<token>.<any(csv, json, ttl):fmt>")
def download(token: str, fmt: str) -> Response:
    text = _recent.get(token, fmt)
    if text is None:
        return Response(
            "This report is no longer kept (reports are kept for ten minutes); upload the file again.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    media_type = DOWNLOADS[fmt][0]
    response = Response(text, content_type=f"{media_type}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="ierkg-report.{fmt}"'
    return response


@contextmanager
def saved_upload() -> Iterator[tuple[Path, str]]:
    """The request's file (path, name as sent) in a private folder that the block's end removes.

    Refusal (4xx) for a missing, oversized or unreadable-type file.
    """
    limit = current_app.config["IERKG"].max_upload_bytes
    too_large = Refusal(413, f"the file is larger than {limit:,} bytes, the most this service accepts")
    # The form's own fields and boundaries take a little room beside the file.
    if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD:
        raise too_large
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise too_large from None
    if upload is None or not upload.filename:
        raise Refusal(400, "choose a file to validate (the form field is 'file')")
    name = secure_filename(upload.filename) or "dataset"
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED:
        raise Refusal(
            415, f"'{upload.filename}' is not a file type ierkg reads; use one of {', '.join(ACCEPTED)}"
        )
    folder = Path(tempfile.mkdtemp(prefix="ierkg-upload-"))
    try:
        path = folder / name
        upload.save(path)
        if path.stat().st_size > limit:
            raise too_large
        yield path, upload.filename
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the data never outlive the request


def in_user_terms(message: str, path: Path) -> str:
    """A message about the saved upload, naming the file as the user knows it."""
    return message.replace(str(path.parent) + "/", "")


def requested_scale() -> tuple[float, float] | None:
    scale_text = request.form.get("scale", "").strip()
    return parse_scale(scale_text) if scale_text else None


def named_as_sent(report: Report, name: str) -> Report:
    """The report in the words of the user's own file name, not the temporary folder's."""
    report.file = name
    report.findings = [dataclasses.replace(f, file=name) for f in report.findings]
    return report


def validate_upload() -> tuple[Report, dict[str, int]]:
    """Validate the request's uploaded file; Refusal (4xx) with a message a person can act on.

    At most ``concurrent_validations`` run at once (503 beyond), so that large uploads cannot
    take every HTTP thread from the pages and /sparql.
    """
    slots: threading.BoundedSemaphore = current_app.extensions["ierkg.validation_slots"]
    if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
        busy = current_app.config["IERKG"].concurrent_validations
        raise Refusal(
            503,
            f"this service is validating {busy} other dataset{'s' if busy != 1 else ''} at the moment; "
            "try again in a minute, or run 'ierkg validate' on your own machine",
        )
    try:
        return _validate_saved_upload()
    finally:
        slots.release()


def _validate_saved_upload() -> tuple[Report, dict[str, int]]:
    with saved_upload() as (path, name):
        engine = current_app.extensions["ierkg.engine"]
        placer: Placer = current_app.extensions["ierkg.placer"]
        try:
            if is_rdf(path):
                report = validate_rdf(path, engine, placer=placer, scale=requested_scale())
            else:
                report = validate_table(path, engine, scale=requested_scale(), placer=placer, workers=1)
        except IerkgError as exc:
            raise Refusal(400, in_user_terms(str(exc), path)) from None
    report = named_as_sent(report, name)
    return report, chart_counts(report.placements)
