"""Bulk sending from an Excel or CSV file of numbers (the tenders' 600,000): the file is
read row by row, checked, and inserted into the outbox as one batch in chunks, in a
background thread whose progress the page polls; the rows refused are downloadable."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.cost import Cost
from hisms.adapters.console.sending import Draft, choices, outlook, read_draft
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, Forbidden, page, who
from hisms.adapters.webservice import intake
from hisms.adapters.webservice.faults import Refused
from hisms.engine import phone
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import Who

log = logging.getLogger(__name__)
CHUNK = 1000  # rows per INSERT transaction
MAX_ROWS = 600_000
HEADINGS = {"手机号码", "手机号", "号码", "phone", "mobile"}  # a first row to skip


@dataclass
class Job:
    """One upload: where it is, what it refused. Read by the progress requests."""

    id: str
    owner: str
    name: str
    read: int = 0  # rows read from the file
    total: int = 0  # numbers to insert (known once the file is read)
    inserted: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, value, why)
    batch_id: str | None = None
    done: bool = False
    problem: str | None = None  # the whole upload failed
    cost: Cost | None = None  # of the numbers read, once the file is read
    refused: int = 0  # len(errors), also where only a snapshot of the job is at hand

    def refuse(self, row: int, value: str, why: str) -> None:
        self.errors.append((row, value, why))
        self.refused += 1

    @property
    def percent(self) -> int:
        return int(100 * self.inserted / self.total) if self.total else 0


JOBS: dict[str, Job] = {}  # by id; an upload lives as long as the process
SAVE_ROWS = 10_000  # rows read between two snapshots of a job for the other workers


@page("send")
async def form(console: Console, request: Request, user: User) -> Response:
    given = await console.db(choices, console, user)
    return console.render(request, "upload.html", user=user, values={}, **given)


@page("send")
async def preview(console: Console, request: Request, user: User) -> Response:
    """The text and what each number will cost (the numbers are known once uploaded)."""
    fields = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    draft = await console.db(read_draft, console, _with_phone(fields), user)
    seen = None
    if draft.text:
        seen = await console.db(outlook, console, draft, [], draft.numbers[0])
    return console.render(request, "upload_preview.html", user=user, draft=draft, seen=seen)


@page("send")
async def start(console: Console, request: Request, user: User) -> Response:
    values = await request.form()
    upload = values.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem: str | None = "请选择 Excel（.xlsx）或 CSV 文件"
    else:
        # The text, template and times as the send page checks them, for a placeholder number.
        fields = {k: v for k, v in values.items() if isinstance(v, str)}
        draft = await console.db(read_draft, console, _with_phone(fields), user)
        problem = draft.problem
    if problem is None:
        assert isinstance(upload, UploadFile)
        suffix = Path(upload.filename or "").suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            problem = "只支持 .xlsx 与 .csv 文件"
    if problem is not None:
        if isinstance(upload, UploadFile):
            await upload.close()  # its spooled file, now rather than at garbage collection
        given = await console.db(choices, console, user)
        return console.render(request, "upload.html", 400, user=user, error=problem,
                              values=dict(values), **given)  # fmt: skip
    assert isinstance(upload, UploadFile)
    path = await console.db(_spool, upload)
    await upload.close()  # its spooled copy, now that ours is on disk
    job = Job(uuid.uuid4().hex, user.username, upload.filename or "")
    JOBS[job.id] = job
    message = replace(draft.message, phone=None)
    quote = functools.partial(_quote, console, draft)
    folder = _folder(console)
    # Known to every worker before the redirect: the progress page may be asked of another
    # worker before this job's first snapshot would be due (it answered 403 then).
    await console.db(save, job, folder)
    actor = who(request, user)
    task = asyncio.create_task(
        asyncio.to_thread(run, console.store, job, path, message, actor, quote, folder)
    )
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return console.redirect(f"/send/upload/{job.id}")


_RUNNING: set[asyncio.Task[None]] = set()  # keeps the tasks referenced while they run


@page("send")
async def progress(console: Console, request: Request, user: User) -> Response:
    job = _job(console, request, user)
    if not request.headers.get("hx-request"):
        return console.render(request, "upload_job.html", user=user, job=job)
    stop = 286 if job.done else 200  # htmx stops polling on 286
    return console.render(request, "upload_progress.html", stop, user=user, job=job)


@page("send")
async def errors(console: Console, request: Request, user: User) -> Response:
    job = _job(console, request, user)
    folder = _folder(console)
    if job.id in JOBS or folder is None:
        body = errors_csv(job.errors)
    else:  # another worker's upload: the file it wrote once the numbers were read
        body = (folder / f"{job.id}.errors.csv").read_text("utf-8")
    attachment = f'attachment; filename="errors-{job.id[:8]}.csv"'
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment})  # fmt: skip


def errors_csv(errors: list[tuple[int, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "内容", "原因"])
    writer.writerows(errors)
    return "\ufeff" + out.getvalue()  # with a BOM, so that Excel opens the UTF-8 as such


def _job(console: Console, request: Request, user: User) -> Job:
    """The user's upload, in this process or (``--workers``) the snapshot another wrote."""
    key = str(request.path_params["job"])
    job = JOBS.get(key)
    folder = _folder(console)
    if job is None and folder is not None and re.fullmatch(r"[0-9a-f]{32}", key):
        job = load(folder / f"{key}.json")
    if job is None or job.owner != user.username:
        raise Forbidden("not this user's upload")
    return job


def _quote(console: Console, draft: Draft, numbers: list[str]) -> Cost:
    return outlook(console, draft, numbers, numbers[0]).cost


def _folder(console: Console) -> Path | None:
    """Where the workers of ``hisms console --workers`` find each other's uploads."""
    if console.shared is None:
        return None
    folder = console.shared / "uploads"
    folder.mkdir(exist_ok=True)
    return folder


def save(job: Job, folder: Path | None) -> None:
    """A snapshot of the job (not its refused rows) for the other workers."""
    if folder is None:
        return
    # neither the refused rows (a file of their own) nor the price (the worker's own page)
    shown = {f.name: getattr(job, f.name) for f in fields(job) if f.name not in ("errors", "cost")}
    partial = folder / f"{job.id}.partial"
    partial.write_text(json.dumps(shown))
    partial.replace(folder / f"{job.id}.json")


def load(path: Path) -> Job | None:
    try:
        return Job(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def _with_phone(fields: dict[str, str]) -> dict[str, str]:
    return {**fields, "phones": "13800000000"}


def _spool(upload: UploadFile) -> Path:
    """The upload in a file of our own: the request's copy goes when the request ends."""
    upload.file.seek(0)
    with tempfile.NamedTemporaryFile(delete=False, suffix=Path(upload.filename or "").suffix) as f:
        shutil.copyfileobj(upload.file, f)
    return Path(f.name)


def run(
    store: Store,
    job: Job,
    path: Path,
    message: NewMessage,
    actor: Who,
    quote: Callable[[list[str]], Cost],
    folder: Path | None,
) -> None:
    """Read, check and insert (in a worker thread); the job records how far it got and,
    priced by ``quote`` before the first insert, what the numbers cost; with ``folder``
    (several workers) its snapshots go there."""
    try:
        numbers = _read(job, path, lambda: save(job, folder))
        if numbers:
            job.cost = quote(numbers)
        job.total = len(numbers)
        if folder is not None:
            (folder / f"{job.id}.errors.csv").write_text(errors_csv(job.errors), "utf-8")
        save(job, folder)
        if numbers:
            base = intake.checked(replace(message, phone=numbers[0]))
            job.batch_id = uuid.uuid4().hex
            for start in range(0, len(numbers), CHUNK):
                chunk = [replace(base, phone=n) for n in numbers[start : start + CHUNK]]
                store.enqueue_batch(job.batch_id, chunk, actor.actor)
                job.inserted += len(chunk)
                save(job, folder)
            shown = {"numbers": job.total, "refused": len(job.errors), "file": job.name}
            store.audit(actor, "send", "batch", job.batch_id, None, shown)
    except Refused as exc:
        job.problem = exc.text
    except Exception as exc:  # the page says why, the log the rest
        log.exception("upload %s failed", job.id)
        job.problem = f"上传失败：{exc}"

    finally:
        job.done = True
        save(job, folder)
        path.unlink(missing_ok=True)


def _read(job: Job, path: Path, saved: Callable[[], None] = lambda: None) -> list[str]:
    """The distinct numbers of the first column; each refused row in ``job.errors``;
    ``saved`` called every SAVE_ROWS rows."""
    numbers: dict[str, None] = {}
    for row, value in _cells(path):
        job.read = row
        if row % SAVE_ROWS == 0:
            saved()
        text = str(value or "").strip()
        if row == 1 and text.lower() in HEADINGS:
            continue
        if len(numbers) >= MAX_ROWS:
            job.refuse(row, text[:20], f"超过 {MAX_ROWS} 个号码")
            continue
        try:
            number = phone.normalise(text)
        except phone.InvalidPhone as exc:
            job.refuse(row, text[:20], exc.text)
            continue
        if number in numbers:
            job.refuse(row, text[:20], "重复号码")
        numbers[number] = None
    return list(numbers)


def _cells(path: Path) -> Iterator[tuple[int, Any]]:
    """(row number, first cell) of each row: streamed, never the whole sheet in memory."""
    if path.suffix == ".csv":
        data = path.read_bytes()  # a few MB for 600,000 numbers
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # what Excel writes on a Chinese Windows
        for row, cells in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
            yield row, cells[0] if cells else ""
        return
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for row, first in enumerate(book.worksheets[0].iter_rows(max_col=1, values_only=True), 1):
            value = first[0] if first else ""
            yield row, int(value) if isinstance(value, float) and value.is_integer() else value
    finally:
        book.close()
