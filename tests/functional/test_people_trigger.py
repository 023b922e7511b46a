"""The people function, fed Cognito's trigger events (tests/events/cognito_*.json), in memory."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.memory_people import InMemoryPeople
from functions import bootstrap
from functions import people as lambda_people
from projections.people import PersonIdentity, PersonView
from tests.functional.conftest import FakeLambdaContext, load_event

# A ping or a trigger it does not serve counts nothing, and says so when it flushes.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
TOKEN_EVENT = "cognito_pre_token_generation.json"
CONFIRMATION_EVENT = "cognito_post_confirmation.json"
ALICE_SUB = "0b0a57c5-f013-426a-81a1-f8ffbfba21f0"
CAROL_SUB = "6e2c3a8b-94d1-4f57-a8e0-5d1c9b7f3a21"
SAM_SUB = "9d4b1e72-3c5a-4f08-b6d2-7a1e0c8f5b43"


@pytest.fixture
def people(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryPeople]:
    model = InMemoryPeople()
    monkeypatch.setattr(bootstrap, "_people", model)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    yield model


def invoke(event: dict[str, Any]) -> Any:
    context = FakeLambdaContext(function_name="retake-people")
    return lambda_people.handler(copy.deepcopy(event), context)


def name_claim(answer: dict[str, Any]) -> Any:
    return answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["name"]


def test_a_sign_in_records_the_person_and_their_token_carries_the_display_name(
    people: InMemoryPeople,
) -> None:
    # given
    event = load_event(TOKEN_EVENT)
    # when
    answer = invoke(event)
    # then: the event comes back, with the display name to add to the ID token
    assert name_claim(answer) == "Alice Liddell"
    assert {key: answer[key] for key in event if key != "response"} == {
        key: value for key, value in event.items() if key != "response"
    }
    person = people.get(ALICE_SUB)
    assert person is not None
    assert (person.username, person.email, person.display_name, person.groups) == (
        "alice",
        "alice@example.com",
        "Alice Liddell",
        [],
    )


def test_the_token_carries_the_name_the_person_chose_not_cognitos(people: InMemoryPeople) -> None:
    # given: alice is known, and renamed herself by command (version 1 of her aggregate)
    invoke(load_event(TOKEN_EVENT))
    assert people.apply_display_name(ALICE_SUB, "Alice L.", version=1)
    # when: she signs in again
    answer = invoke(load_event(TOKEN_EVENT))
    # then
    assert name_claim(answer) == "Alice L."
    person = people.get(ALICE_SUB)
    assert person is not None and person.display_name == "Alice L."


def test_groups_come_from_the_token_generation_and_a_person_is_recorded_once(
    people: InMemoryPeople,
) -> None:
    # given: sam, in support, with no name attribute, signing in twice
    event = load_event(TOKEN_EVENT)
    event["userName"] = "sam"
    event["request"]["userAttributes"] |= {"sub": SAM_SUB, "email": "sam@example.com"}
    event["request"]["userAttributes"].pop("name")
    event["request"]["groupConfiguration"]["groupsToOverride"] = ["support"]
    # when
    invoke(event)
    answer = invoke(event)
    # then: the username stands in for the display name
    assert name_claim(answer) == "sam"
    person = people.by_username("sam")
    assert person is not None
    assert (person.person_id, person.groups) == (SAM_SUB, ["support"])
    assert people.search("sam", limit=10).items == [person]


def test_claims_other_triggers_asked_for_are_kept(people: InMemoryPeople) -> None:
    event = load_event(TOKEN_EVENT)
    event["response"] = {"claimsOverrideDetails": {"claimsToAddOrOverride": {"tier": "gold"}}}

    answer = invoke(event)

    claims = answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
    assert claims == {"tier": "gold", "name": "Alice Liddell"}


def test_a_confirmed_sign_up_records_the_person_and_answers_the_event(
    people: InMemoryPeople,
) -> None:
    event = load_event(CONFIRMATION_EVENT)

    answer = invoke(event)

    assert answer == event  # post confirmation expects the event back, nothing added
    person = people.get(CAROL_SUB)
    assert person is not None
    assert (person.username, person.display_name, person.groups) == (
        "carol",
        "Carol Danvers",
        [],
    )


class FailingPeople(InMemoryPeople):
    def record_identity(self, identity: PersonIdentity) -> PersonView:
        raise ConnectionError("DynamoDB is unreachable")


def test_a_failure_to_record_does_not_block_the_sign_in_and_is_logged(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given (the benchmarks' modules turn metrics off for the whole process when imported)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Retake")
    monkeypatch.setattr(bootstrap, "_people", FailingPeople())
    # when
    answer = invoke(load_event(TOKEN_EVENT))
    # then: Cognito's own name is in the token, and the log says who was not recorded
    assert name_claim(answer) == "Alice Liddell"
    [failure] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert failure.getMessage() == "person not recorded: signing in without the read model"
    assert (failure.__dict__["username"], failure.__dict__["user_pool_id"]) == (
        "alice",
        "eu-west-1_Rk3tAk3Xy",
    )
    assert "DynamoDB is unreachable" in caplog.text
    assert '"IdentitiesNotRecorded":[1.0]' in capsys.readouterr().out


def test_a_trigger_it_does_not_serve_changes_nothing(people: InMemoryPeople) -> None:
    event = load_event(CONFIRMATION_EVENT)
    event["triggerSource"] = "PreSignUp_SignUp"

    assert invoke(event) == event
    assert people.get(CAROL_SUB) is None


def test_a_keep_warm_ping_records_no_one(people: InMemoryPeople) -> None:
    assert invoke(load_event("keep_warm.json")) == {"warm": True}
