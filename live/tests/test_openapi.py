"""The OpenAPI document describes the stream and its ticket."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_event_stream_and_its_ticket(client):
    schema = client.get("/schema?format=json").json()
    events = schema["paths"]["/events"]["get"]
    assert list(events["responses"]["200"]["content"]) == ["text/event-stream"]
    assert {"400", "401"} <= set(events["responses"])
    parameters = {(p["in"], p["name"]) for p in events["parameters"]}
    assert parameters == {
        ("query", "ticket"),
        ("query", "last_event_id"),
        ("header", "Last-Event-ID"),
    }
    ticket = schema["paths"]["/auth/stream-ticket"]["post"]
    assert ticket["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StreamTicket"
    }
    assert "401" in ticket["responses"]
