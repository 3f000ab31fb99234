"""The pairing commands: the programme's record and the demo accounts."""

from io import StringIO

from django.core.management import call_command

from twinning.accounts.models import User
from twinning.pairings.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from twinning.pairings.models import Pairing
from twinning.pairings.programme_data import PAIRS, SOURCE


def test_load_programme_is_idempotent(programme):
    out = StringIO()
    call_command("load_programme", stdout=out)
    assert "0 created, 28 already there" in out.getvalue()
    assert Pairing.objects.count() == len(PAIRS) == 28


def test_every_programme_pair_is_marked_as_coming_from_the_article(programme):
    assert set(Pairing.objects.values_list("source", flat=True)) == {SOURCE}


def test_the_article_pairs_are_there(pair):
    tianjin_henan = pair("120000", "410000")
    assert {c.partner_region.name for c in tianjin_henan.children.all()} == {
        "信阳市",
        "南阳市",
        "许昌市",
        "平顶山市",
    }
    assert {c.name for c in pair("350200", "220000").focus_cities.all()} == {
        "长春市",
        "公主岭市",
        "梅河口市",
    }
    assert pair("320500", "660000").partner_region.official is False
    assert pair("350200", "230000").status == Pairing.Status.ACTIVE


def test_load_demo_creates_accounts_that_can_log_in_and_is_idempotent(programme, client):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=StringIO())
    assert User.objects.filter(username__startswith="demo-").count() == len(DEMO_ACCOUNTS)
    assert DEMO_PASSWORD in out.getvalue()
    assert client.login(username="demo-tianjin", password=DEMO_PASSWORD)
    assert Pairing.objects.get(leading_region_id="120104").bodies.count() == 1
