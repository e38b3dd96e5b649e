import pytest
from ledger_scenarios import (
    ALPHA,
    BETA,
    RICH,
    TILL_SOUTH_1,
    balance,
    closing,
    ledger_snapshot,
    load_ledger_org,
)

from tests.support import DEMO_AUTH, assert_error

MAIN = "Main"
DELAYED = "DelayedAccrualPointCategory"
TRIGGER = "ExternalTriggerBasedPointCategory"


@pytest.fixture
def ledger(client):
    load_ledger_org(client)
    return client


class TestGetCustomerLedgerBalance:
    def test_one_row_per_program_and_category(self, ledger):
        body = balance(ledger).json()
        assert body == {
            "customerDetails": {
                "firstName": "Rich",
                "lastName": "Ledger",
                "userId": RICH,
                "externalId": "led-1",
                "entityType": "CUSTOMER",
            },
            "ledgerDetails": {
                "pageNumber": 0,
                "pageSize": 10,
                "totalEntries": 8,
                "pageCount": 1,
                "ledgerClosingBalance": [
                    {"pointsCategory": MAIN, "programName": "Alpha", "programId": ALPHA,
                     "closingBalance": "70.000"},
                    {"pointsCategory": DELAYED, "programName": "Alpha", "programId": ALPHA,
                     "closingBalance": "30.000"},
                    {"pointsCategory": TRIGGER, "programName": "Alpha", "programId": ALPHA,
                     "closingBalance": "20.000"},
                    {"pointsCategory": MAIN, "programName": "Beta", "programId": BETA,
                     "closingBalance": "109.500"},
                ],
            },
            "warnings": [],
        }  # fmt: skip

    def test_closing_balance_at_a_past_end_date(self, ledger):
        body = balance(ledger, endDate="2024-01-06T00:00:00").json()
        assert closing(body) == {
            (ALPHA, MAIN): "100.000",
            (ALPHA, DELAYED): "0.000",
            (ALPHA, TRIGGER): "0.000",
            (BETA, MAIN): "50.000",
        }
        assert body["ledgerDetails"]["totalEntries"] == 3

    def test_bare_end_date_includes_the_whole_day(self, ledger):
        body = balance(ledger, endDate="2024-01-20").json()
        assert closing(body)[(BETA, MAIN)] == "109.500"
        assert closing(body)[(ALPHA, MAIN)] == "100.000"

    def test_end_date_in_another_time_zone(self, ledger):
        # The redemption of day 25 at 12:00Z is 17:30 at +05:30.
        before = balance(ledger, endDate="2024-01-25T17:29:59+05:30").json()
        after = balance(ledger, endDate="2024-01-25T17:30:00+05:30").json()
        assert (closing(before)[(ALPHA, MAIN)], closing(after)[(ALPHA, MAIN)]) == (
            "100.000",
            "70.000",
        )

    def test_before_the_first_event_everything_is_zero(self, ledger):
        body = balance(ledger, endDate="2023-12-31T00:00:00").json()
        assert set(closing(body).values()) == {"0.000"}
        assert body["ledgerDetails"]["totalEntries"] == 0
        assert body["ledgerDetails"]["pageCount"] == 0

    def test_point_category_type(self, ledger):
        body = balance(ledger, pointCategoryType="PROMISED").json()
        assert closing(body) == {(ALPHA, DELAYED): "30.000"}

    def test_ledger_entry_type_narrows_the_sum(self, ledger):
        body = balance(ledger, ledgerEntryType="DEBIT").json()
        assert closing(body) == {
            (ALPHA, MAIN): "-30.000",
            (ALPHA, DELAYED): "0.000",
            (ALPHA, TRIGGER): "0.000",
            (BETA, MAIN): "-10.500",
        }
        assert body["ledgerDetails"]["totalEntries"] == 2

    def test_till_id(self, ledger):
        body = balance(ledger, tillId=TILL_SOUTH_1).json()
        assert closing(body)[(BETA, MAIN)] == "70.000"
        assert closing(body)[(ALPHA, MAIN)] == "0.000"
        assert body["ledgerDetails"]["totalEntries"] == 1

    def test_store_code(self, ledger):
        assert closing(balance(ledger, storeCode="south").json())[(BETA, MAIN)] == "59.500"

    def test_program_id(self, ledger):
        assert closing(balance(ledger, programId=BETA).json()) == {(BETA, MAIN): "109.500"}

    def test_page_size_follows_limit(self, ledger):
        details = balance(ledger, limit=3, offset=1).json()["ledgerDetails"]
        assert (details["pageNumber"], details["pageSize"], details["pageCount"]) == (1, 3, 3)
        assert len(details["ledgerClosingBalance"]) == 4

    def test_demo_customer_balances(self, client):
        body = client.get(
            "/v2/pointsLedger/getCustomerLedgerBalance?identifierName=externalId"
            "&identifierValue=tomanatest2&source=INSTORE",
            headers=DEMO_AUTH,
        ).json()
        assert closing(body) == {
            (141, MAIN): "0.000",
            (1414, MAIN): "12703.000",
            (1422, MAIN): "137.000",
            (1568, DELAYED): "0.000",
            (1568, TRIGGER): "0.000",
            (1745, MAIN): "30000.000",
        }


class TestLedgerBalanceErrors:
    @pytest.mark.parametrize(
        ("params", "code", "message"),
        [
            ({"identifierValue": "nobody"}, 8015, "Customer not found for the given identifiers"),
            ({"identifierName": "phone"}, 8013, "Invalid identifier passed"),
            ({"limit": "11"}, 11029, "Limit cannot be greater than 10"),
            ({"limit": "ten"}, 11030, "Invalid input: limit must be a whole number, got 'ten'"),
            ({"endDate": "31/01/2024"}, 11030,
             "Invalid input: endDate must be a date in YYYY-MM-DDThh:mm:ss format, "
             "got '31/01/2024'"),
            ({"ledgerEntryType": "ALL"}, 11007, "Invalid ledgerEntryType passed in request"),
            ({"pointCategoryType": "ALL"}, 11008, "Invalid pointCategoryType passed in request"),
            ({"tillId": "1", "storeId": "2"}, 11028,
             "Multiple input parameters set. Please provide only one of the following: "
             "tillId, tillIds, storeCode or storeId"),
            ({"includeTillConceptEvents": "maybe"}, 11030,
             "Invalid input: includeTillConceptEvents must be true or false, got 'maybe'"),
        ],
    )  # fmt: skip
    def test_rejects(self, ledger, params, code, message):
        before = ledger_snapshot(ledger)
        assert_error(balance(ledger, **params), code, message)
        assert ledger_snapshot(ledger) == before
