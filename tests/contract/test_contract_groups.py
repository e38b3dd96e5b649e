"""The seed document's group samples, sent verbatim with the demo till against the demo data:
each succeeds, its answer has every key of the documented sample with the sample's JSON type,
the points move, and the history sample lists the transfer."""

from typing import Any

import pytest
from shapes import assert_same_shape, assert_sample_replays, load_samples, sample_titled

from tests.support import DEMO_AUTH, audit_ok, main_points

GROUP_SAMPLES = [s for s in load_samples() if s["path"].startswith("/v2/points/userGroup2/")]
IS_TRANSFERRABLE = "Check if Points Transferrable (Group)"
TRANSFER = "Transfer Points (Group)"
HISTORY = "Get Points Transfer Details"


def documented_part(sample: Any, actual: Any) -> Any:
    """`actual` cut down to the keys the sample shows, recursively (extra keys are allowed)."""
    if isinstance(sample, dict) and isinstance(actual, dict):
        return {k: documented_part(v, actual.get(k)) for k, v in sample.items()}
    if isinstance(sample, list) and sample and isinstance(actual, list):
        return [documented_part(sample[0], item) for item in actual]
    return actual


class TestGroupSamples:
    def test_both_samples_are_covered(self):
        assert [s["title"] for s in GROUP_SAMPLES] == [IS_TRANSFERRABLE, TRANSFER]

    @pytest.mark.parametrize("sample", GROUP_SAMPLES, ids=lambda s: s["path"])
    def test_sample_request_succeeds_with_the_sample_shape(self, client, sample):
        assert_sample_replays(client, sample)

    def test_is_transferrable_sample_values(self, client):
        sample = sample_titled(IS_TRANSFERRABLE)
        before = main_points(client, 1981, 765, owner_type="USERGROUP2")
        body = client.post(sample["path"], json=sample["body"], headers=DEMO_AUTH).json()
        assert body == sample["response"]
        assert main_points(client, 1981, 765, owner_type="USERGROUP2") == before

    def test_transfer_sample_values(self, client):
        sample = sample_titled(TRANSFER)
        expected = sample["response"]["data"][0]
        body = client.post(sample["path"], json=sample["body"], headers=DEMO_AUTH).json()
        [data] = body["data"]
        # Everything but the id and the date, which are the emulator's own.
        for key in ("transferId", "pointsTransferDate"):
            del expected[key], data[key]
        assert documented_part(expected, data) == expected

    def test_transfer_sample_moves_the_points(self, client):
        sample = sample_titled(TRANSFER)
        group_before = main_points(client, 2626, 765, owner_type="USERGROUP2")
        customer_before = main_points(client, 418400980, 765)
        client.post(sample["path"], json=sample["body"], headers=DEMO_AUTH)
        assert main_points(client, 2626, 765, owner_type="USERGROUP2") == group_before - 10_000
        assert main_points(client, 418400980, 765) == customer_before + 10_000
        audit_ok(client)


class TestGroupHistorySample:
    def test_history_sample_lists_the_sample_transfer(self, client):
        transfer = sample_titled(TRANSFER)
        sent = client.post(transfer["path"], json=transfer["body"], headers=DEMO_AUTH).json()
        history = sample_titled(HISTORY)
        response = client.get(history["path"], headers=DEMO_AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        # Newest first: the sample's transfer just made, then the demo's own (the same record
        # as the sample, made by the demo supplement; test_contract_replay checks it).
        record, seeded = body["data"]
        assert seeded["transferId"] == 6545
        assert_same_shape(history["response"], {**body, "data": [record]})
        assert record["transferId"] == sent["data"][0]["transferId"]
        expected = history["response"]["data"][0]
        for key in ("transferId", "pointsTransferDate"):
            del expected[key], record[key]
        assert documented_part(expected, record) == expected
