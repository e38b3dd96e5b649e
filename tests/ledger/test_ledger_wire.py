"""The ledger answers byte for byte: key order, absent keys (never null) and points as strings.

The other ledger tests compare parsed JSON, which hides key order and cannot tell an absent
key from a null one; these pin the bytes the response models serialise.
"""

import pytest
from ledger_scenarios import AUTH, BETA, GROUP, balance, info, load_ledger_org

from capillary_emulator.ledger.schemas import CustomerDetails, LedgerEntryItem

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
INFO = "/v2/pointsLedger/getCustomerLedgerInfo"
RICH_DETAILS = (
    '{"firstName":"Rich","lastName":"Ledger","userId":70000001,"externalId":"led-1",'
    '"entityType":"CUSTOMER"}'
)
GROUP_DETAILS = (
    '{"userId":-7100,"groupId":7100,"externalId":"ledger-group","entityType":"USERGROUP2"}'
)


@pytest.fixture
def ledger(client):
    load_ledger_org(client)
    return client


def group_query(**params):
    return {"type": "USERGROUP2", "identifierName": "id", "identifierValue": str(GROUP),
            "source": "INSTORE", **params}  # fmt: skip


class TestBalanceBytes:
    def test_customer_balance(self, ledger):
        response = balance(ledger, programId=str(BETA))
        assert response.headers["content-type"] == "application/json"
        assert response.text == (
            '{"customerDetails":' + RICH_DETAILS + ","
            '"ledgerDetails":{"pageNumber":0,"pageSize":10,"totalEntries":3,"pageCount":1,'
            '"ledgerClosingBalance":[{"pointsCategory":"Main","programName":"Beta",'
            '"programId":7002,"closingBalance":"109.500"}]},"warnings":[]}'
        )

    def test_customer_without_external_id_has_no_external_id_key(self, ledger):
        response = balance(ledger, identifierName="mobile", identifierValue="15550000003")
        assert response.text == (
            '{"customerDetails":{"firstName":"Gail","lastName":"Primary","userId":70000003,'
            '"entityType":"CUSTOMER"},"ledgerDetails":{"pageNumber":0,"pageSize":10,'
            '"totalEntries":1,"pageCount":1,"ledgerClosingBalance":[{"pointsCategory":"Main",'
            '"programName":"Alpha","programId":7001,"closingBalance":"0.000"}]},"warnings":[]}'
        )

    def test_group_balance_details(self, ledger):
        response = ledger.get(BALANCE, params=group_query(programId=str(BETA)), headers=AUTH)
        assert response.text.startswith('{"customerDetails":' + GROUP_DETAILS + ",")
        assert response.text.endswith(
            '"ledgerClosingBalance":[{"pointsCategory":"Main","programName":"Beta",'
            '"programId":7002,"closingBalance":"40.000"},{"pointsCategory":'
            '"DelayedAccrualPointCategory","programName":"Beta","programId":7002,'
            '"closingBalance":"0.000"},{"pointsCategory":"ExternalTriggerBasedPointCategory",'
            '"programName":"Beta","programId":7002,"closingBalance":"0.000"}]},"warnings":[]}'
        )


class TestInfoBytes:
    def test_only_events_on_a_bill_carry_transaction_details(self, ledger):
        response = info(ledger, ledgerEntryType="DEBIT")
        first, second = (e["eventLogId"] for e in response.json()["ledgerEntries"])
        assert response.text == (
            '{"customerDetails":' + RICH_DETAILS + ","
            '"ledgerDetails":{"pageNumber":0,"pageSize":10,"totalEntries":2,"pageCount":1},'
            f'"ledgerEntries":[{{"eventLogId":{first},"eventName":"PointsRedemption",'
            '"customerId":70000001,"ledgerCreatedDate":"2024-01-20 12:00:00.0",'
            '"ledgerCreatedDateISO":"2024-01-20T12:00:00+00:00","entryDetails":[{'
            '"ledgerEntryType":"DEBIT","points":"10.500","pointsCategory":"Main",'
            '"programName":"Beta","programId":7002}],"netPointsOnEvent":"-10.500",'
            '"store":"South","storeCode":"south","tillCode":"ledger.south2"},'
            f'{{"eventLogId":{second},"eventName":"PointsRedemption","customerId":70000001,'
            '"ledgerCreatedDate":"2024-01-25 12:00:00.0",'
            '"ledgerCreatedDateISO":"2024-01-25T12:00:00+00:00","entryDetails":[{'
            '"ledgerEntryType":"DEBIT","points":"30.000","pointsCategory":"Main",'
            '"programName":"Alpha","programId":7001}],"netPointsOnEvent":"-30.000",'
            # Redeemed on bill t-25: the bill's details (the event id stands in for its id).
            f'"transactionDetails":{{"transactionId":{second},"transactionNumber":"t-25",'
            '"date":"2024-01-25 12:00:00.0","dateISO":"2024-01-25T12:00:00+00:00"},'
            '"store":"North","storeCode":"north","tillCode":"ledger.north"}],"warnings":[]}'
        )

    def test_bill_event_carries_transaction_details_before_the_store(self, ledger):
        response = ledger.get(INFO, params=group_query(ledgerEntryType="CREDIT"), headers=AUTH)
        (event_id,) = (e["eventLogId"] for e in response.json()["ledgerEntries"])
        assert response.text == (
            '{"customerDetails":' + GROUP_DETAILS + ","
            '"ledgerDetails":{"pageNumber":0,"pageSize":10,"totalEntries":1,"pageCount":1},'
            f'"ledgerEntries":[{{"eventLogId":{event_id},"eventName":"TransactionAdd",'
            '"customerId":-7100,"ledgerCreatedDate":"2024-01-04 12:00:00.0",'
            '"ledgerCreatedDateISO":"2024-01-04T12:00:00+00:00","entryDetails":[{'
            '"ledgerEntryType":"CREDIT","points":"40.000","pointsCategory":"Main",'
            '"programName":"Beta","programId":7002}],"netPointsOnEvent":"40.000",'
            f'"transactionDetails":{{"transactionId":{event_id},"transactionNumber":"g-1",'
            '"date":"2024-01-04 12:00:00.0","dateISO":"2024-01-04T12:00:00+00:00"},'
            '"store":"North","storeCode":"north","tillCode":"ledger.north"}],"warnings":[]}'
        )


class TestResponseModels:
    def test_only_the_optional_keys_are_left_out(self):
        details = CustomerDetails(firstName="", lastName="", userId=1, entityType="CUSTOMER")
        assert details.model_dump_json() == (
            '{"firstName":"","lastName":"","userId":1,"entityType":"CUSTOMER"}'
        )

    def test_an_entry_without_bill_omits_transaction_details(self):
        entry = LedgerEntryItem(
            eventLogId=1, eventName="PointsRedemption", customerId=2, ledgerCreatedDate="d",
            ledgerCreatedDateISO="i", entryDetails=[], netPointsOnEvent="0.000", store="",
            storeCode="", tillCode="",
        )  # fmt: skip
        assert list(entry.model_dump(mode="json")) == [
            "eventLogId", "eventName", "customerId", "ledgerCreatedDate", "ledgerCreatedDateISO",
            "entryDetails", "netPointsOnEvent", "store", "storeCode", "tillCode",
        ]  # fmt: skip

    def test_openapi_shows_the_answers(self, client):
        paths = client.app.openapi()["paths"]
        for path, model in [(BALANCE, "CustomerLedgerBalance"), (INFO, "CustomerLedgerInfo")]:
            schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]
            assert schema["schema"]["$ref"] == f"#/components/schemas/{model}"
