"""NIK and KK checks (workflows/persons.py) on lokal-id 0.7.2's `parse_nik`.

What lokal.parse_nik does, pinned here so an upgrade that changes it is noticed:
16 digits; digits 1-6 are province/regency/district codes looked up in its bundled
Kemendagri data (`lookup_wilayah=lokal.wilayah.wilayah_name` gives the names); digits
7-12 are the birth date DDMMYY where women add 40 to the day; the last 4 are a serial.
"""

from __future__ import annotations

from datetime import date

import lokal
import lokal.wilayah

from workflows.persons import check_kk, check_nik


def test_lokal_parse_nik_behaviour_we_rely_on():
    man = lokal.parse_nik("9171010505900001", lookup_wilayah=lokal.wilayah.wilayah_name)
    woman = lokal.parse_nik("9171014505900001", lookup_wilayah=lokal.wilayah.wilayah_name)
    assert man.valid and man.gender == "L" and man.birth_date == "1990-05-05"
    assert woman.valid and woman.gender == "P" and woman.birth_date == "1990-05-05"  # day 45 = 5th, female
    assert woman.district_code == "91.71.01" and woman.district == "Jayapura Utara"
    assert woman.regency == "Kota Jayapura" and woman.province == "Papua"
    bad = lokal.parse_nik("9171013202900001")  # day 32
    assert not bad.valid and [e.code for e in bad.errors] == ["birth_date"]
    assert [e.code for e in lokal.parse_nik("917101450590001").errors] == ["format"]  # 15 digits


def test_check_nik():
    woman = check_nik("9171014505900001")
    assert woman.valid and woman.gender == "P" and woman.birth_date == date(1990, 5, 5)
    assert woman.district == "Jayapura Utara" and woman.district_code == "91.71.01"
    assert check_nik("9171 0145 0590 0001").valid  # spaces typed by people are ignored
    assert check_nik("9171017202900001").message.startswith("Tanggal lahir di NIK tidak valid")  # 72-40 = 32
    assert "16 digit" in check_nik("12345").message
    unknown = check_nik("9999990505900001")
    assert not unknown.valid and "provinsi" in unknown.message.lower()
    # A known province but a district code that does not exist.
    assert not check_nik("9171990505900001").valid


def test_check_kk():
    assert check_kk("9171010101230001") is None
    assert "16 digit" in check_kk("917101010123")
    assert "tidak dikenal" in check_kk("9999990101230001")
