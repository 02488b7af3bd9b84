import pytest

from fou.extracts.params import ParameterError
from fou.extracts.regions import Catalogue

from .conftest import GR_IDS, GR_ORDER, KOLADA_DIR, needs_shared


@pytest.fixture(scope="module")
def cat(report_extract):
    return Catalogue.build(extract_units=report_extract.units())


@pytest.mark.parametrize("spec", ["Göteborgsregionen", "göteborgsregionen", "G96190", "Göteborgsregionen (ovägt medel)"])
def test_resolve_group(cat, spec):
    r = cat.resolve(spec)
    assert r.name == "Göteborgsregionen" and r.group_id == "G96190"
    assert list(r.ids) == [GR_IDS[n] for n in GR_ORDER]


def test_resolve_list_of_names_and_ids(cat):
    r = cat.resolve("Tjörn, 1480 , ale")
    assert r.ids == ("1440", "1480", "1419")  # Swedish order: Ale, Göteborg, Tjörn
    assert r.names["1480"] == "Göteborg"
    assert cat.resolve(["1481", "Öckerö"]).ids == ("1481", "1407")


@pytest.mark.parametrize(
    ("spec", "bad", "hint"),
    [("Mölnadal", "Mölnadal", "Mölndal (1481)"), ("Göteborgsregion", "Göteborgsregion", "Göteborgsregionen (G96190)"),
     ("Ale, Kungälw", "Kungälw", "Kungälv (1482)"), ("Ale, Kung", "Kung", "Kungälv (1482)"),
     ("Kungsbacka, Mölnd", "Mölnd", "did you mean: Mölndal (1481)?")],
)
def test_unknown_names_get_close_matches(cat, spec, bad, hint):
    with pytest.raises(ParameterError) as err:
        cat.resolve(spec)
    assert err.value.parameter == "region" and err.value.value == bad
    assert hint in str(err.value)


def test_names_typed_without_swedish_letters_resolve_when_no_name_is_spelt_so(cat):
    assert cat.resolve("Ale, Kungalv").ids == ("1440", "1482")
    assert cat.resolve("ockero").ids == ("1407",)
    assert cat.resolve("Goteborgsregionen").group_id == "G96190"
    with pytest.raises(ParameterError, match="did you mean: Öckerö"):
        cat.resolve("Ockerö")  # typed with ö: å, ä, ö are letters of their own, so no fold


def test_unknown_group_id(cat):
    with pytest.raises(ParameterError, match="unknown Kolada group id; known groups: Göteborgsregionen \\(G96190\\)"):
        cat.resolve("G1")


def test_other_regions_from_kolada_metadata():
    needs_shared(KOLADA_DIR)
    cat = Catalogue.build(metadata_dir=KOLADA_DIR)
    fyrbodal = cat.resolve("Fyrbodal")
    assert fyrbodal.group_id == "G96180" and len(fyrbodal.ids) == 14
    assert fyrbodal.names["1488"] == "Trollhättan"
    assert cat.resolve("Malmö").ids == ("1280",)


@pytest.mark.parametrize("spec", ["g96190", "G96190", " g96190 "])
def test_group_ids_are_case_insensitive(cat, spec):
    assert cat.resolve(spec).group_id == "G96190"


def test_riket_alone_or_not_at_all(cat):
    r = cat.resolve("Riket")
    assert r.ids == ("0000",) and r.is_riket
    with pytest.raises(ParameterError, match=r"Riket \(0000\) can only be chosen on its own"):
        cat.resolve("Ale, Riket")


def test_long_lists_are_labelled_with_a_swedish_count(cat):
    assert cat.resolve("Ale, Lerum, Tjörn, Öckerö, Partille").name == "5 kommuner"
