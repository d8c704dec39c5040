"""`flask maps export`: every school's map into a folder or a ZIP, and only the changed ones."""

import csv
import io
import zipfile

from tests.mapping.haven_maps import pdftools
from tests.mapping.haven_maps.conftest import ALDER, BIRCH, add_haven

BASE = ["--base-url", "https://havens.example.org"]


def export(runner, *args):
    return runner.invoke(args=["maps", "export", *BASE, "--workers", "1", *args])


def pdf_names(folder):
    return sorted(p.name for p in folder.glob("*.pdf"))


def test_all_schools_into_a_folder_one_pdf_each_with_a_list(runner, schools, db_session,
                                                              tmp_path):
    add_haven(db_session, schools, "Near Shop", 200, 0)
    result = export(runner, "--all", "--out", str(tmp_path / "maps"))
    assert result.exit_code == 0, result.output
    assert pdf_names(tmp_path / "maps") == [f"{ALDER}-alder-primary-school-A4.pdf",
                                            f"{BIRCH}-birch-academy-A4.pdf"]
    rows = list(csv.DictReader((tmp_path / "maps" / "schools.csv").open()))
    assert [(r["urn"], r["havens_within_radius"], r["nearest_beyond"]) for r in rows] == [
        (str(ALDER), "1", "no"), (str(BIRCH), "0", "yes")]
    alder = tmp_path / "maps" / f"{ALDER}-alder-primary-school-A4.pdf"
    assert "Near Shop" in pdftools.text(alder)
    assert "2 map(s) of 2 school(s) written" in result.output


def test_both_sizes_into_a_zip_on_two_processes(runner, schools, tmp_path):
    target = tmp_path / "maps.zip"
    result = runner.invoke(args=["maps", "export", *BASE, "--all", "--size", "A4,A3",
                                 "--workers", "2", "--out", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == sorted([f"{ALDER}-alder-primary-school-A4.pdf",
                                f"{ALDER}-alder-primary-school-A3.pdf",
                                f"{BIRCH}-birch-academy-A4.pdf",
                                f"{BIRCH}-birch-academy-A3.pdf", "schools.csv"])
        a3 = pdftools.save(tmp_path, archive.read(f"{BIRCH}-birch-academy-A3.pdf"), "a3.pdf")
        manifest = archive.read("schools.csv").decode()
    assert pdftools.pages(a3)[0] == pdftools.A3_PTS
    assert "Birch Academy" in pdftools.text(a3)
    assert len(list(csv.DictReader(io.StringIO(manifest)))) == 4


def test_changed_reprints_exactly_the_schools_whose_havens_changed(runner, schools, db_session,
                                                                   tmp_path):
    near_alder = add_haven(db_session, schools, "Alder Corner Shop", 150, 0)
    near_birch = add_haven(db_session, schools, "Birch Bakery", -900, -1100)
    assert export(runner, "--all", "--out", str(tmp_path / "first")).exit_code == 0

    quiet = export(runner, "--changed", "--out", str(tmp_path / "none"))
    assert quiet.exit_code == 0 and "nothing to print" in quiet.output
    assert not (tmp_path / "none").exists()

    near_alder.name = "Alder Corner Shop & Post Office"
    near_birch.phone = "020 8000 1111"  # private: not on the map, so no reprint
    db_session.commit()
    result = export(runner, "--changed", "--out", str(tmp_path / "second"))
    assert result.exit_code == 0, result.output
    assert "1 of 2 schools need a new print" in result.output
    assert f"{ALDER}  Alder Primary School" in result.output and "Birch" not in result.output
    assert pdf_names(tmp_path / "second") == [f"{ALDER}-alder-primary-school-A4.pdf"]

    near_birch.status = "withdrawn"
    db_session.commit()
    third = export(runner, "--changed", "--out", str(tmp_path / "third"))
    assert pdf_names(tmp_path / "third") == [f"{BIRCH}-birch-academy-A4.pdf"], third.output


def test_one_school_by_urn_and_by_borough(runner, schools, tmp_path):
    result = export(runner, "--school", str(BIRCH), "--borough", "E09000999", "--out",
                    str(tmp_path / "one"))
    assert result.exit_code == 0, result.output
    assert pdf_names(tmp_path / "one") == [f"{BIRCH}-birch-academy-A4.pdf"]


def test_unclear_requests_are_refused_with_the_reason(runner, schools, tmp_path):
    nothing = export(runner, "--out", str(tmp_path / "x"))
    assert nothing.exit_code == 2 and "--all, --changed or --school" in nothing.output
    size = export(runner, "--all", "--size", "A5", "--out", str(tmp_path / "x"))
    assert size.exit_code == 2 and "give A4, A3 or A4,A3" in size.output
    borough = export(runner, "--all", "--borough", "E00000000", "--out", str(tmp_path / "x"))
    assert borough.exit_code == 2 and "no borough with code 'E00000000'" in borough.output
    assert not (tmp_path / "x").exists()


def test_without_a_public_address_the_export_warns_where_qr_codes_point(runner, schools,
                                                                        tmp_path):
    result = runner.invoke(args=["maps", "export", "--all", "--workers", "1", "--out",
                                 str(tmp_path / "maps")])
    assert result.exit_code == 0, result.output
    assert "the QR codes point to http://127.0.0.1:5000" in result.output
