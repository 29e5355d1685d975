"""The PostgreSQL store gives statements by ids their batch's bounds, for partition pruning."""

from hisms.engine.store.postgres import _bounded


def test_a_list_of_ids_gets_its_lowest_and_highest() -> None:
    params = _bounded({"ids": [2026110000000007, 2026100000000003, 2026110000000001]})
    assert (params["id_lo"], params["id_hi"]) == (2026100000000003, 2026110000000007)
    assert _bounded({"id": [5], "worker": "w"}) == {
        "id": [5],
        "worker": "w",
        "id_lo": 5,
        "id_hi": 5,
    }


def test_an_empty_list_bounds_nothing_in() -> None:
    assert _bounded({"ids": []}) == {"ids": [], "id_lo": None, "id_hi": None}


def test_other_parameters_are_left_alone() -> None:
    assert _bounded({"id": 7}) == {"id": 7}
    assert _bounded({"name": "x"}) == {"name": "x"}
    assert _bounded({"id": [1, None]}) == {"id": [1, None]}
