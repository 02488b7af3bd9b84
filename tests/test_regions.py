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
     ("Ale, Kungalv", "Kungalv", "Kungälv (1482)")],
)
def test_unknown_names_get_close_matches(cat, spec, bad, hint):
    with pytest.raises(ParameterError) as err:
        cat.resolve(spec)
    assert err.value.parameter == "region" and err.value.value == bad
    assert hint in str(err.value)


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
