import pytest

from kasipodaq.api.pagination import MAX_LIMIT
from kasipodaq.api.tests.client import api_as

pytestmark = pytest.mark.django_db


def test_a_page_has_its_rows_and_the_total(tree):
    """`limit` rows from `offset`, and the count of every matching row."""
    api = api_as(tree.admin)
    everything = api.get("/orgs", limit=100).json()
    assert everything["count"] == len(everything["items"]) == 15
    page = api.get("/orgs", limit=4, offset=6).json()
    assert page["count"] == 15
    assert (page["limit"], page["offset"]) == (4, 6)
    assert [u["id"] for u in page["items"]] == [
        u["id"] for u in everything["items"][6:10]
    ]


def test_past_the_end_is_an_empty_page(tree):
    """An offset beyond the rows gives no rows and the same total."""
    page = api_as(tree.admin).get("/orgs", offset=1000).json()
    assert page["items"] == []
    assert page["count"] == 15


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": MAX_LIMIT + 1}, {"offset": -1}, {"limit": "x"}]
)
def test_out_of_range_paging_is_refused(tree, query):
    """A limit outside 1…500 or a negative offset answers 422."""
    response = api_as(tree.admin).get("/orgs", **query)
    assert response.status_code == 422
    assert response.json()["field"] in {"limit", "offset"}
