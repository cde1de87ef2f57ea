import datetime as dt
import itertools

import pytest

from puhui.bank.models.registry import MODEL_TRANSITIONS, ModelEvent, ModelStatus, ModelVersion
from puhui.core.errors import Conflict

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=1)


def model(status):
    return ModelVersion("m1", "scorecard", status, "m1.pkl", ("a",), {}, AT, AT)


@pytest.mark.parametrize(("start", "event", "end"), [(s, e, n) for (s, e), n in MODEL_TRANSITIONS.items()])
def test_every_row_of_the_model_lifecycle(start, event, end):
    moved = model(start).after(event, LATER)
    assert moved.status is end and moved.status_changed_at == LATER


@pytest.mark.parametrize(
    ("start", "event"),
    [pair for pair in itertools.product(ModelStatus, ModelEvent) if pair not in MODEL_TRANSITIONS],
)
def test_every_other_move_is_a_conflict(start, event):
    with pytest.raises(Conflict, match=f"cannot {event.value}"):
        model(start).after(event, LATER)
