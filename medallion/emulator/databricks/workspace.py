"""Workspace API 2.0: notebooks, files and folders.

Notebook content is kept as plain source text, as in the scenario (`{"path", "language",
"content"}`); the API moves it base64-encoded. Folders are implied by the paths of the objects
under them; a folder with nothing under it (made by `mkdirs`, or emptied) is kept as an entry
`{"path", "object_type": "DIRECTORY"}` so it survives the state file. `/`, `/Shared` and `/Users`
always exist. Formats other than SOURCE/AUTO/RAW, directory export and `direct_download` answer
501: the emulator does not fake them.
"""
from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import posixpath
from typing import Any, Callable

from .errors import ApiError, as_bool, invalid, not_implemented, now_ms, require

Handler = Callable[[dict[str, str], dict[str, Any]], object]

BUILT_IN_FOLDERS = frozenset({"/", "/Shared", "/Users"})
HEADERS = {"PYTHON": "# Databricks notebook source", "SQL": "-- Databricks notebook source",
           "SCALA": "// Databricks notebook source", "R": "# Databricks notebook source"}
EXTENSIONS = {"PYTHON": "py", "SQL": "sql", "SCALA": "scala", "R": "r"}


def _normal(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise invalid(f"Path ({path}) is not absolute.")
    return posixpath.normpath(path).replace("//", "/")


def _object_id(path: str) -> int:
    """Stable across restarts, so an id read before a state reload still names the object."""
    return int(hashlib.sha1(path.encode()).hexdigest()[:13], 16)


def _missing(path: str) -> ApiError:
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Path ({path}) doesn't exist.")


def _decode(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid("content is not valid base64-encoded UTF-8 text") from None


class Workspace:
    """Workspace objects keyed by normalised path: `{"object_type", "language"?, "content"?}`."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._objects: dict[str, dict[str, Any]] = {p: {"object_type": "DIRECTORY"} for p in BUILT_IN_FOLDERS}
        for entry in entries:
            path = _normal(entry["path"])
            kind = entry.get("object_type") or ("NOTEBOOK" if entry.get("language") else "FILE")
            stored = {k: copy.deepcopy(v) for k, v in entry.items() if k != "path"}
            stored["object_type"] = kind
            self._add_parents(path)
            self._objects[path] = stored

    def routes(self) -> dict[tuple[str, str], Handler]:
        ops: dict[tuple[str, str], Handler] = {
            ("POST", "import"): self.import_, ("GET", "export"): self.export,
            ("GET", "get-status"): self.get_status, ("GET", "list"): self.list,
            ("POST", "mkdirs"): self.mkdirs, ("POST", "delete"): self.delete,
        }
        return {(method, f"/api/2.0/workspace/{op}"): handler for (method, op), handler in ops.items()}

    def to_state(self) -> list[dict[str, Any]]:
        """Objects in path order; folders only when nothing under them implies them."""
        entries = []
        for path in sorted(self._objects):
            stored = self._objects[path]
            if stored["object_type"] == "DIRECTORY":
                if path in BUILT_IN_FOLDERS or self._children(path):
                    continue
                entries.append({"path": path, "object_type": "DIRECTORY"})
            elif stored["object_type"] == "NOTEBOOK":
                entries.append({"path": path, **{k: copy.deepcopy(v) for k, v in stored.items()
                                                  if k not in ("object_type", "created_at", "modified_at")}})
            else:
                entries.append({"path": path, "object_type": stored["object_type"],
                                "content": stored.get("content", "")})
        return entries

    def _add_parents(self, path: str) -> None:
        parent = posixpath.dirname(path)
        while parent not in self._objects:
            self._objects[parent] = {"object_type": "DIRECTORY"}
            parent = posixpath.dirname(parent)

    def _children(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(p for p in self._objects if p != folder and p.startswith(prefix)
                      and "/" not in p[len(prefix):])

    def _find(self, path: str) -> dict[str, Any]:
        stored = self._objects.get(path)
        if stored is None:
            raise _missing(path)
        return stored

    def _info(self, path: str) -> dict[str, Any]:
        stored = self._objects[path]
        info = {"path": path, "object_type": stored["object_type"], "object_id": _object_id(path),
                "resource_id": str(_object_id(path))}
        for field in ("language", "created_at", "modified_at"):
            if field in stored:
                info[field] = stored[field]
        if stored["object_type"] != "DIRECTORY":
            info["size"] = len(stored.get("content", "").encode())
        return info

    def _target(self, path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Where an import lands and what it stores, by format (and, for AUTO, extension and header)."""
        fmt = body.get("format") or "SOURCE"
        language = body.get("language")
        text = _decode(body.get("content") or "")
        if fmt == "AUTO" and not language:
            stem, ext = posixpath.splitext(path)
            language = next((lang for lang, e in EXTENSIONS.items() if ext.lower() == f".{e}"), None)
            if language and text.startswith(HEADERS[language]):
                return stem, {"object_type": "NOTEBOOK", "language": language, "content": text}
            return path, {"object_type": "FILE", "content": text}
        if fmt in ("SOURCE", "AUTO"):
            if not language:
                raise not_implemented("importing a directory (SOURCE without a language)")
            if language not in HEADERS:
                raise invalid(f"Invalid language {language}")
            return path, {"object_type": "NOTEBOOK", "language": language, "content": text}
        if fmt == "RAW":
            return path, {"object_type": "FILE", "content": text}
        raise not_implemented(f"import format {fmt}")

    def import_(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        path, stored = self._target(_normal(require(body, "path")), body)
        parent = posixpath.dirname(path)
        if self._objects.get(parent, {}).get("object_type") != "DIRECTORY":
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"The parent folder ({parent}) does not exist.")
        existing = self._objects.get(path)
        if existing is not None and (existing["object_type"] == "DIRECTORY" or not as_bool(body.get("overwrite"))):
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"Path ({path}) already exists.")
        now = now_ms()
        stored["created_at"] = (existing or {}).get("created_at", now)
        stored["modified_at"] = now
        self._objects[path] = stored
        return {}

    def export(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """SOURCE of a notebook starts with its `Databricks notebook source` header, as the real one."""
        path = _normal(require(query, "path"))
        stored = self._find(path)
        fmt = query.get("format") or "SOURCE"
        if as_bool(query.get("direct_download")):
            raise not_implemented("direct_download (raw bytes) export")
        if stored["object_type"] == "DIRECTORY":
            raise not_implemented("exporting a directory archive")
        text = stored.get("content", "")
        if stored["object_type"] == "NOTEBOOK":
            if fmt not in ("SOURCE", "AUTO"):
                raise not_implemented(f"notebook export format {fmt}")
            header = HEADERS.get(stored.get("language", "PYTHON"), HEADERS["PYTHON"])
            if not text.startswith(header):
                text = f"{header}\n{text}"
            return {"content": base64.b64encode(text.encode()).decode(),
                    "file_type": EXTENSIONS.get(stored.get("language", "PYTHON"), "py")}
        if fmt not in ("SOURCE", "AUTO", "RAW"):
            raise not_implemented(f"file export format {fmt}")
        return {"content": base64.b64encode(text.encode()).decode()}

    def get_status(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        path = _normal(require(query, "path"))
        self._find(path)
        return self._info(path)

    def list(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """A folder's direct children (no `objects` key when empty); an object lists as itself."""
        path = _normal(require(query, "path"))
        if self._find(path)["object_type"] != "DIRECTORY":
            return {"objects": [self._info(path)]}
        children = [self._info(child) for child in self._children(path)]
        return {"objects": children} if children else {}

    def mkdirs(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Idempotent; creates parents; fails where a prefix is a notebook or file."""
        path = _normal(require(body, "path"))
        prefix = ""
        for part in path.strip("/").split("/"):
            prefix = f"{prefix}/{part}"
            existing = self._objects.get(prefix)
            if existing is not None and existing["object_type"] != "DIRECTORY":
                raise ApiError(400, "RESOURCE_ALREADY_EXISTS",
                               f"Cannot create directory {path}: {prefix} exists and is not a directory.")
        self._add_parents(path)
        self._objects.setdefault(path, {"object_type": "DIRECTORY"})
        return {}

    def delete(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        path = _normal(require(body, "path"))
        stored = self._find(path)
        if path in BUILT_IN_FOLDERS:
            raise ApiError(403, "PERMISSION_DENIED", f"Path ({path}) is a system folder and cannot be deleted.")
        under = [p for p in self._objects if p.startswith(path.rstrip("/") + "/")]
        if stored["object_type"] == "DIRECTORY" and under and not as_bool(body.get("recursive")):
            raise ApiError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty.")
        for doomed in [path, *under]:
            del self._objects[doomed]
        return {}
