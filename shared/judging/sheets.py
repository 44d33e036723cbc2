"""Score sheets: versioned templates of scored items, and score validation.

A sheet is data. Built-in sheets ship as JSON under ``templates/``; organisers
add a new version through :func:`sheet_from_dict`, which applies the same
checks. Every :class:`ScoreSheet` that exists has passed them, because the
dataclasses validate themselves on construction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from .aggregation import as_decimal, plain_number

Band = tuple[float, float]

_SHEET_KEYS = frozenset({"code", "version", "name", "name_en", "total", "items", "source", "note"})
_SHEET_REQUIRED = ("code", "version", "name", "name_en", "total", "items")
_ITEM_KEYS = frozenset({"code", "name", "name_en", "max_points", "bands"})
_ITEM_REQUIRED = ("code", "name", "name_en", "max_points")


class SheetError(ValueError):
    """A score-sheet template is malformed."""


class SheetNotFound(SheetError, LookupError):
    """No built-in sheet has the requested code (and version)."""


class ScoreError(ValueError):
    """Scores do not fit a sheet. ``fields`` maps each bad item code to why."""

    def __init__(self, fields: Mapping[str, str]):
        self.fields = dict(fields)
        detail = "; ".join(f"{code}: {message}" for code, message in self.fields.items())
        super().__init__(f"invalid scores: {detail}")


def _text(value, what: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise SheetError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _positive(value, what: str) -> Decimal:
    try:
        exact = as_decimal(value)
    except (TypeError, ValueError):
        raise SheetError(f"{what} must be a finite number, got {value!r}") from None
    if exact <= 0:
        raise SheetError(f"{what} must be positive, got {value!r}")
    return exact


def _bands(raw, what: str) -> tuple[Band, ...]:
    if not isinstance(raw, (list, tuple)):
        raise SheetError(f"{what}: bands must be a list of [low, high] pairs")
    bands: list[Band] = []
    previous_high: Decimal | None = None
    for position, band in enumerate(raw):
        label = f"{what}: band {position + 1}"
        if not isinstance(band, (list, tuple)) or len(band) != 2:
            raise SheetError(f"{label} must be a [low, high] pair, got {band!r}")
        try:
            low, high = as_decimal(band[0]), as_decimal(band[1])
        except (TypeError, ValueError):
            raise SheetError(f"{label} must hold two finite numbers, got {band!r}") from None
        if not 0 <= low <= high <= 100:
            raise SheetError(f"{label} {list(band)} must satisfy 0 <= low <= high <= 100 (percent)")
        if previous_high is not None and low <= previous_high:
            raise SheetError(f"{label} {list(band)} must start above the previous band's high")
        previous_high = high
        bands.append((band[0], band[1]))
    return tuple(bands)


@dataclass(frozen=True)
class SheetItem:
    """One scored item. ``bands`` are allowed percent ranges of ``max_points``."""

    code: str
    name: str
    name_en: str
    max_points: float
    bands: tuple[Band, ...] = ()

    def __post_init__(self):
        _text(self.code, "item code")
        what = f"item {self.code!r}"
        _text(self.name, f"{what}: name")
        _text(self.name_en, f"{what}: name_en")
        _positive(self.max_points, f"{what}: max_points")
        # Lists from JSON become tuples so the item stays hashable.
        object.__setattr__(self, "bands", _bands(self.bands, what))

    def in_band(self, points) -> bool:
        """Whether ``points`` falls inside a band (always true without bands)."""
        if not self.bands:
            return True
        percent = as_decimal(points) * 100 / as_decimal(self.max_points)
        return any(as_decimal(low) <= percent <= as_decimal(high) for low, high in self.bands)


@dataclass(frozen=True)
class ScoreSheet:
    """A versioned score sheet; ``(code, version)`` identifies it."""

    code: str
    version: int
    name: str
    name_en: str
    total: float
    items: tuple[SheetItem, ...]
    source: str = ""
    note: str = ""

    def __post_init__(self):
        _text(self.code, "sheet code")
        what = f"sheet {self.code!r}"
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise SheetError(f"{what}: version must be an integer >= 1, got {self.version!r}")
        _text(self.name, f"{what}: name")
        _text(self.name_en, f"{what}: name_en")
        _text(self.source, f"{what}: source", allow_empty=True)
        _text(self.note, f"{what}: note", allow_empty=True)
        total = _positive(self.total, f"{what}: total")
        items = tuple(self.items)
        if not items:
            raise SheetError(f"{what}: needs at least one item")
        for item in items:
            if not isinstance(item, SheetItem):
                raise SheetError(f"{what}: items must be SheetItem, got {type(item).__name__}")
        codes = [item.code for item in items]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise SheetError(f"{what}: item codes must be unique; repeated: {', '.join(repeated)}")
        points = sum((as_decimal(item.max_points) for item in items), Decimal(0))
        if points != total:
            raise SheetError(
                f"{what}: items' max_points add up to {plain_number(points)}, "
                f"but the sheet total is {plain_number(total)}"
            )
        object.__setattr__(self, "items", items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> SheetItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)


def _check_keys(raw, allowed, required, what: str) -> None:
    if not isinstance(raw, Mapping):
        raise SheetError(f"{what} must be an object, got {type(raw).__name__}")
    missing = [key for key in required if key not in raw]
    if missing:
        raise SheetError(f"{what}: missing {', '.join(missing)}")
    # Unknown keys are almost always typos (e.g. "max_point") that would
    # otherwise be dropped without a word.
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise SheetError(f"{what}: unknown keys {', '.join(unknown)}")


def sheet_from_dict(data: Mapping) -> ScoreSheet:
    """Build and validate a sheet from plain data (e.g. parsed JSON)."""
    _check_keys(data, _SHEET_KEYS, _SHEET_REQUIRED, "sheet")
    raw_items = data["items"]
    if not isinstance(raw_items, (list, tuple)):
        raise SheetError("sheet: items must be a list")
    items = []
    for position, raw in enumerate(raw_items):
        what = f"items[{position}]"
        _check_keys(raw, _ITEM_KEYS, _ITEM_REQUIRED, what)
        try:
            items.append(
                SheetItem(
                    code=raw["code"],
                    name=raw["name"],
                    name_en=raw["name_en"],
                    max_points=raw["max_points"],
                    bands=raw.get("bands") or (),
                )
            )
        except SheetError as exc:
            raise SheetError(f"{what}: {exc}") from None
    return ScoreSheet(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        name_en=data["name_en"],
        total=data["total"],
        items=tuple(items),
        source=data.get("source", ""),
        note=data.get("note", ""),
    )


def sheet_to_dict(sheet: ScoreSheet) -> dict:
    """Plain data for storage; ``sheet_from_dict`` reverses it."""
    items = []
    for item in sheet.items:
        raw = {
            "code": item.code,
            "name": item.name,
            "name_en": item.name_en,
            "max_points": item.max_points,
        }
        if item.bands:
            raw["bands"] = [list(band) for band in item.bands]
        items.append(raw)
    data = {
        "code": sheet.code,
        "version": sheet.version,
        "name": sheet.name,
        "name_en": sheet.name_en,
        "total": sheet.total,
        "items": items,
    }
    if sheet.source:
        data["source"] = sheet.source
    if sheet.note:
        data["note"] = sheet.note
    return data


@lru_cache(maxsize=1)
def _builtin() -> tuple[ScoreSheet, ...]:
    folder = resources.files(__package__) / "templates"
    sheets: dict[tuple[str, int], ScoreSheet] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        try:
            sheet = sheet_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (SheetError, json.JSONDecodeError) as exc:
            raise SheetError(f"built-in template {path.name}: {exc}") from None
        key = (sheet.code, sheet.version)
        if key in sheets:
            raise SheetError(f"built-in template {path.name}: duplicate sheet {key}")
        sheets[key] = sheet
    return tuple(sheets[key] for key in sorted(sheets))


def load_builtin_sheets() -> dict[tuple[str, int], ScoreSheet]:
    """Every shipped sheet, keyed by ``(code, version)``."""
    return {(sheet.code, sheet.version): sheet for sheet in _builtin()}


def get_builtin_sheet(code: str, version: int | None = None) -> ScoreSheet:
    """A shipped sheet; the highest version when ``version`` is None."""
    matching = [sheet for sheet in _builtin() if sheet.code == code]
    if version is not None:
        matching = [sheet for sheet in matching if sheet.version == version]
    if not matching:
        wanted = code if version is None else f"{code} v{version}"
        raise SheetNotFound(f"no built-in score sheet {wanted}")
    return max(matching, key=lambda sheet: sheet.version)


def validate_scores(sheet: ScoreSheet, scores: Mapping[str, float], *, check_bands: bool = True) -> float:
    """Check one judge's item scores against ``sheet`` and return their total.

    Every item needs a score between 0 and its ``max_points``; items with bands
    also need the score, as a percent of ``max_points``, inside a band (turn
    off with ``check_bands=False``). All problems are reported together in
    :class:`ScoreError`'s ``fields``.
    """
    if not isinstance(scores, Mapping):
        raise TypeError("scores must be a mapping of item code to points")
    fields: dict[str, str] = {}
    total = Decimal(0)
    for item in sheet.items:
        if item.code not in scores:
            fields[item.code] = "missing score"
            continue
        value = scores[item.code]
        try:
            points = as_decimal(value)
        except (TypeError, ValueError):
            fields[item.code] = f"not a finite number: {value!r}"
            continue
        maximum = as_decimal(item.max_points)
        if points < 0:
            fields[item.code] = f"must not be negative (got {value})"
        elif points > maximum:
            fields[item.code] = f"{value} exceeds the item's maximum of {plain_number(maximum)}"
        elif check_bands and not item.in_band(points):
            percent = (points * 100 / maximum).quantize(Decimal("0.01"))
            allowed = ", ".join(f"{low}-{high}%" for low, high in item.bands)
            fields[item.code] = (
                f"{plain_number(percent)}% of {plain_number(maximum)} "
                f"is outside the scoring bands ({allowed})"
            )
        else:
            total += points
    known = set(sheet.item_codes)
    for code in scores:
        if code not in known:
            fields[str(code)] = "unknown item for this sheet"
    if fields:
        raise ScoreError(fields)
    return float(total)
