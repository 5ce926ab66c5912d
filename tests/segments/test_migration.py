"""Segment migration: the matrix, its biggest flows, who stayed."""

from __future__ import annotations

import pandas as pd

from repurchase import segments as sg
from repurchase.segments.migration import stayed


def test_migration_matrix_counts():
    prev = pd.Series({"a": "X", "b": "X", "c": "Y", "d": "Y"})
    cur = pd.Series({"a": "X", "b": "Y", "d": "X", "e": "X"})
    m = sg.migration_matrix(prev, cur, ["X", "Y"])
    # a X->X, b X->Y, c Y->(not scored), d Y->X, e (new)->X
    assert m.index.tolist() == ["X", "Y", sg.NEW]
    assert m.columns.tolist() == ["X", "Y", sg.NOT_SCORED]
    assert m.to_numpy().tolist() == [[1, 1, 0], [1, 0, 1], [1, 0, 0]]
    flows = sg.biggest_flows(m, 5)
    # moves between different segments, new excluded: X->Y 1 (1/2), Y->X 1 (1/2), Y->(not scored) 1
    assert len(flows) == 3 and set(flows["from_segment"]) == {"X", "Y"}
    assert flows["share_of_from"].tolist() == [0.5, 0.5, 0.5]
    # a stayed in X; a, b, c, d were scored before (e is new)
    assert stayed(m, ["X", "Y"]) == (1, 4)


def test_migration_without_new_or_unscored_customers():
    prev = pd.Series({"a": "X", "b": "Y"})
    m = sg.migration_matrix(prev, prev, ["X", "Y", "Z"])
    # neither the (new) row nor the (not scored) column; Z is kept, empty
    assert m.index.tolist() == ["X", "Y", "Z"] and m.columns.tolist() == ["X", "Y", "Z"]
    assert stayed(m, ["X", "Y", "Z"]) == (2, 2)
    assert sg.biggest_flows(m).empty
