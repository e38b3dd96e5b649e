"""The seed document's two ledger samples, sent verbatim with the demo till against the demo
data: each answer has every key of the documented sample with the sample's JSON type.

The document's "Get Customer Ledger Information" request URL points at getCustomerLedgerBalance
(a doc slip); its query is sent to getCustomerLedgerInfo, where its response belongs.
"""

from urllib.parse import urlsplit

import pytest
from shapes import assert_same_shape, sample_titled

from tests.support import DEMO_AUTH, audit_ok

BALANCE_PATH = "/v2/pointsLedger/getCustomerLedgerBalance"
INFO_PATH = "/v2/pointsLedger/getCustomerLedgerInfo"


def sample_query(title: str) -> str:
    return urlsplit(sample_titled(title)["path"]).query


class TestLedgerBalanceSample:
    def test_sample_request_succeeds_with_the_sample_shape(self, client):
        sample = sample_titled("Get Customer Ledger Balance")
        assert urlsplit(sample["path"]).path == BALANCE_PATH

        response = client.get(sample["path"], headers=DEMO_AUTH)

        assert response.status_code == 200
        body = response.json()
        assert_same_shape(sample["response"], body)
        assert body["customerDetails"]["externalId"] == "tomanatest2"
        assert body["customerDetails"]["entityType"] == "CUSTOMER"
        balances = {
            (row["programName"], row["pointsCategory"]): row["closingBalance"]
            for row in body["ledgerDetails"]["ledgerClosingBalance"]
        }
        # The figures the sample shows for the programs the demo data mirrors.
        assert balances[("Playground", "Main")] == "30000.000"
        assert balances[("PurpleNeu", "Main")] == "12703.000"
        assert balances[("Tata Ginger Loyalty", "DelayedAccrualPointCategory")] == "0.000"
        assert balances[("Tata Ginger Loyalty", "ExternalTriggerBasedPointCategory")] == "0.000"
        audit_ok(client)


class TestLedgerInfoSample:
    def test_sample_query_succeeds_with_the_sample_shape(self, client):
        sample = sample_titled("Get Customer Ledger Information")

        response = client.get(
            f"{INFO_PATH}?{sample_query('Get Customer Ledger Information')}", headers=DEMO_AUTH
        )

        assert response.status_code == 200
        body = response.json()
        # shapes.py compares every item with the sample's first (a non-transaction event) ...
        assert_same_shape(sample["response"], body)
        # ... and the transaction events also with the sample's second, which has
        # transactionDetails.
        transaction_sample = sample["response"]["ledgerEntries"][1]
        transactions = [e for e in body["ledgerEntries"] if e["eventName"] == "TransactionAdd"]
        assert [e["transactionDetails"]["transactionNumber"] for e in transactions] == [
            "bill-2001",
            "bill-2002",
            "return_bill_0001",
        ]
        for entry in transactions:
            assert_same_shape(transaction_sample, entry)
        assert body["ledgerDetails"]["totalEntries"] == 4  # registration + three awards
        audit_ok(client)

    def test_the_documented_url_slip_answers_with_balances(self, client):
        # Sent as the document prints it, the request reaches getCustomerLedgerBalance.
        response = client.get(
            f"{BALANCE_PATH}?{sample_query('Get Customer Ledger Information')}", headers=DEMO_AUTH
        )
        assert response.status_code == 200
        assert "ledgerClosingBalance" in response.json()["ledgerDetails"]


DOCUMENTED_LEDGER_CODES = [
    # (query on top of the demo's tomanatest2 lookup, code, the reference's text)
    ({"identifierName": "id", "identifierValue": "abc"}, 11012, "Invalid userId passed in request"),
    ({"identifierName": "passport"}, 8013, "Invalid identifier passed"),
    ({"limit": "11"}, 11029, "Limit cannot be greater than 10"),
    ({"offset": "5"}, 11003, "There are no ledger entries present for the given parameters. "
                             "Try removing parameters to widen the search"),
    ({"ledgerEntryType": "REFUND"}, 11007, "Invalid ledgerEntryType passed in request"),
    ({"pointCategoryType": "GOLD"}, 11008, "Invalid pointCategoryType passed in request"),
    ({"tillId": "1", "storeCode": "x"}, 11028,
     "Multiple input parameters set. Please provide only one of the following: "
     "tillId, tillIds, storeCode or storeId"),
    ({"tillIds": "123"}, 11027, "Invalid tillIds: 123"),
    ({"tillId": "abc"}, 11025, 'Till id format exception:For input string: "abc"'),
    ({"storeId": "123"}, 11026, "No tills found for store with store id: 123"),
    ({"storeCode": "abc"}, 11026, "No tills found for store with store code: abc"),
]  # fmt: skip


CASES = [
    pytest.param(path, extra, code, message, id=f"{path.rsplit('/', 1)[1]}-{code}-{sorted(extra)}")
    for path in (BALANCE_PATH, INFO_PATH)
    for extra, code, message in DOCUMENTED_LEDGER_CODES
    if not (code == 11003 and path == BALANCE_PATH)  # the balance only echoes `offset`
]


class TestDocumentedLedgerCodes:
    """Malformed ledger input gets the code and text Capillary documents for it
    (reference-capillary-api.md 8), on both reads; the invented 11030 only where none is."""

    @pytest.mark.parametrize(("path", "extra", "code", "message"), CASES)
    def test_documented_code(self, client, path, extra, code, message):
        query = {"identifierName": "externalId", "identifierValue": "tomanatest2",
                 "source": "INSTORE", **extra}  # fmt: skip
        response = client.get(path, params=query, headers=DEMO_AUTH)
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == [{"status": False, "code": code, "message": message}]

    @pytest.mark.parametrize(
        "extra",
        [{"limit": "abc"}, {"offset": "-1"}, {"programId": "x"}, {"type": "PLANET"},
         {"storeId": "abc"}, {"startDate": "yesterday"}, {"order": "UP"}],
    )  # fmt: skip
    def test_input_no_doc_names_a_code_for_gets_the_invented_11030(self, client, extra):
        query = {"identifierName": "externalId", "identifierValue": "tomanatest2",
                 "source": "INSTORE", **extra}  # fmt: skip
        response = client.get(INFO_PATH, params=query, headers=DEMO_AUTH)
        [error] = response.json()["errors"]
        assert error["code"] == 11030
        assert error["message"].startswith("Invalid input: ")
        assert next(iter(extra)) in error["message"]
