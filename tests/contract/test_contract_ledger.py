"""The seed document's two ledger samples, sent verbatim with the demo till against the demo
data: each answer has every key of the documented sample with the sample's JSON type.

The document's "Get Customer Ledger Information" request URL points at getCustomerLedgerBalance
(a doc slip); its query is sent to getCustomerLedgerInfo, where its response belongs.
"""

from urllib.parse import urlsplit

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
