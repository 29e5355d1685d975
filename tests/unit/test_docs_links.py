"""Every reference the repo makes to its own files resolves.

Checked: relative Markdown links in every .md file (and their ``#anchor``), repo paths
quoted in backticks in Markdown, and repo paths (``sql/postgresql/queries.sql``,
``docs/protocols.md#q8``) or bare Markdown names (``BENCHMARKS.md``: beside the file,
else at the top) named in Python comments and docstrings. A path may hold a ``*`` or
``<dialect>`` placeholder: then at least one file must match. Each failure lists every
broken reference with where it is.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"build", "node_modules", "__pycache__"}

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HTML_ID = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
# A repo path: a top-level folder, more segments, optionally an anchor.
_PATH = re.compile(r"(?<![\w./-])((?:\.\./)*[\w*<>.-]+(?:/[\w*<>.-]*[\w*>])+/?)(#[\w-]+)?")
_BARE_MD = re.compile(r"(?<![\w./-])([A-Z][\w-]*\.md)(#[\w-]+)?\b")


def _files(suffix: str) -> Iterator[Path]:
    for path in sorted(ROOT.rglob(f"*{suffix}")):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") or p in SKIP_DIRS or p.endswith(".egg-info") for p in parts):
            continue
        yield path


@cache
def _top_level() -> frozenset[str]:
    return frozenset(
        p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"<[^>]+>|`", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    text = _FENCE.sub("", path.read_text("utf-8"))
    found: set[str] = set(_HTML_ID.findall(text))
    seen: dict[str, int] = {}
    for heading in _HEADING.findall(text):
        base = slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return frozenset(found)


def _broken(target: str, anchor: str, base: Path) -> str | None:
    """Why ``target#anchor`` (relative to ``base``) does not resolve, or None."""
    pattern = re.sub(r"<[^>]+>", "*", target)
    if "*" in pattern:
        matches = list(base.glob(pattern.rstrip("/")))
        return None if matches else "no file matches"
    path = (base / target).resolve()
    if not path.is_relative_to(ROOT):
        return "outside the repository (not in a clone)"
    if not path.exists():
        return "no such file"
    if anchor and path.suffix == ".md" and anchor not in anchors(path):
        return f"no anchor #{anchor}"
    return None


def _markdown_refs(path: Path) -> Iterator[tuple[str, str, Path]]:
    """(reference, anchor, base folder) for each link and backticked repo path."""
    text = _FENCE.sub("", path.read_text("utf-8"))
    for span in _INLINE_CODE.findall(text):
        match = _PATH.fullmatch(span.strip())
        if match and match[1].split("/")[0] in _top_level():
            yield match[1], (match[2] or "#")[1:], ROOT
    for link in _LINK.findall(_INLINE_CODE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # http:, mailto: ...
            continue
        target, _, anchor = link.partition("#")
        yield target or path.name, anchor, path.parent


def _python_prose(path: Path) -> Iterator[str]:
    """The comments and docstrings of a Python file."""
    source = path.read_text("utf-8")
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    yield from (t.string for t in tokens if t.type == tokenize.COMMENT)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            yield ast.get_docstring(node) or ""


def _python_refs(path: Path) -> Iterator[tuple[str, str, Path]]:
    for prose in _python_prose(path):
        for target, anchor in _PATH.findall(prose):
            first = target.split("/")[0]
            if first in _top_level():
                yield target, anchor[1:], ROOT
            elif first == "..":
                yield target, anchor[1:], path.parent
        for name, anchor in _BARE_MD.findall(prose):
            beside = (path.parent / name).exists()
            yield name, anchor[1:], path.parent if beside else ROOT


def _report(refs: Iterator[tuple[Path, str, str, Path]]) -> list[str]:
    broken = []
    for source, target, anchor, base in refs:
        why = _broken(target, anchor, base)
        if why:
            shown = f"{target}#{anchor}" if anchor else target
            broken.append(f"{source.relative_to(ROOT)}: {shown}: {why}")
    return sorted(set(broken))


def test_markdown_links_and_paths_resolve() -> None:
    refs = ((md, *ref) for md in _files(".md") for ref in _markdown_refs(md))
    broken = _report(refs)
    assert not broken, "broken references in Markdown:\n" + "\n".join(broken)


def test_files_named_in_python_comments_and_docstrings_exist() -> None:
    refs = ((py, *ref) for py in _files(".py") for ref in _python_refs(py))
    broken = _report(refs)
    assert not broken, "broken references in Python comments/docstrings:\n" + "\n".join(broken)


def test_slug_follows_github() -> None:
    assert slug("Status codes and `error_code`") == "status-codes-and-error_code"
    assert slug("Q8: SMPP data_coding 0, 1, 3, 8") == "q8-smpp-data_coding-0-1-3-8"
