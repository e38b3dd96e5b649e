import pytest
from ledger_scenarios import (
    ALPHA,
    AUTH,
    BETA,
    GROUP,
    LONG_EVENTS,
    RICH,
    RICH_EVENTS,
    TILL_NORTH,
    TILL_SOUTH_1,
    TILL_SOUTH_2,
    balance,
    info,
    ledger_snapshot,
    load_ledger_org,
)

from tests.support import DEMO_AUTH, assert_error, audit_ok, load_org

INFO = "/v2/pointsLedger/getCustomerLedgerInfo"


@pytest.fixture
def ledger(client):
    load_ledger_org(client)
    return client


def event_names(body):
    return [e["eventName"] for e in body["ledgerEntries"]]


def event_dates(body):
    return [e["ledgerCreatedDateISO"] for e in body["ledgerEntries"]]


class TestGetCustomerLedgerInfo:
    def test_lists_every_event_oldest_first(self, ledger):
        body = info(ledger).json()
        assert body["warnings"] == []
        assert "errors" not in body
        assert [
            (e["ledgerCreatedDateISO"], e["eventName"], e["tillCode"], e["netPointsOnEvent"])
            for e in body["ledgerEntries"]
        ] == RICH_EVENTS
        assert body["ledgerDetails"] == {
            "pageNumber": 0,
            "pageSize": 10,
            "totalEntries": len(RICH_EVENTS),
            "pageCount": 1,
        }

    def test_customer_details(self, ledger):
        assert info(ledger).json()["customerDetails"] == {
            "firstName": "Rich",
            "lastName": "Ledger",
            "userId": RICH,
            "externalId": "led-1",
            "entityType": "CUSTOMER",
        }

    def test_entry_shape(self, ledger):
        entry = info(ledger).json()["ledgerEntries"][1]
        assert entry == {
            "eventLogId": entry["eventLogId"],
            "eventName": "TransactionAdd",
            "customerId": RICH,
            "ledgerCreatedDate": "2024-01-02 12:00:00.0",
            "ledgerCreatedDateISO": "2024-01-02T12:00:00+00:00",
            "entryDetails": [
                {
                    "ledgerEntryType": "CREDIT",
                    "points": "100.000",
                    "pointsCategory": "Main",
                    "programName": "Alpha",
                    "programId": ALPHA,
                }
            ],
            "netPointsOnEvent": "100.000",
            "transactionDetails": {
                "transactionId": entry["eventLogId"],
                "transactionNumber": "t-2",
                "date": "2024-01-02 12:00:00.0",
                "dateISO": "2024-01-02T12:00:00+00:00",
            },
            "store": "North",
            "storeCode": "north",
            "tillCode": "ledger.north",
        }
        assert isinstance(entry["eventLogId"], int)

    def test_debit_shows_positive_points_and_negative_net(self, ledger):
        redemption = info(ledger).json()["ledgerEntries"][6]
        assert redemption["eventName"] == "PointsRedemption"
        assert redemption["entryDetails"] == [
            {
                "ledgerEntryType": "DEBIT",
                "points": "10.500",
                "pointsCategory": "Main",
                "programName": "Beta",
                "programId": BETA,
            }
        ]
        assert redemption["netPointsOnEvent"] == "-10.500"
        assert "transactionDetails" not in redemption
        assert (redemption["store"], redemption["storeCode"]) == ("South", "south")

    def test_registration_writes_an_opening_balance(self, ledger):
        registration = info(ledger).json()["ledgerEntries"][0]
        assert registration["entryDetails"] == [
            {
                "ledgerEntryType": "OPENING_BALANCE",
                "points": "0.000",
                "pointsCategory": "Main",
                "programName": "Alpha",
                "programId": ALPHA,
            }
        ]

    def test_dates_are_in_the_org_time_zone(self, client):
        # The demo org is +05:30; tomanatest2's first event is its registration.
        body = client.get(
            INFO,
            params={"identifierName": "externalId", "identifierValue": "tomanatest2",
                    "source": "INSTORE"},
            headers=DEMO_AUTH,
        ).json()  # fmt: skip
        first = body["ledgerEntries"][0]
        assert first["ledgerCreatedDateISO"].endswith("+05:30")
        legacy = first["ledgerCreatedDate"]
        assert legacy.endswith(".0") and legacy[:19] == first["ledgerCreatedDateISO"][:19].replace(
            "T", " "
        )

    def test_serves_the_documented_double_slash_url(self, ledger):
        response = ledger.get(
            "/v2//pointsLedger/getCustomerLedgerInfo",
            params={
                "identifierName": "externalId",
                "identifierValue": "led-1",
                "source": "INSTORE",
            },
            headers=AUTH,
        )
        assert response.status_code == 200
        assert len(response.json()["ledgerEntries"]) == len(RICH_EVENTS)

    def test_another_orgs_customer_is_not_found(self, ledger):
        response = info(ledger, auth=DEMO_AUTH)
        assert_error(response, 8015, "Customer not found for the given identifiers")


class TestIdentifiers:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("externalId", "led-1"),
            ("mobile", "15550000001"),
            ("email", "rich@example.com"),
            ("cardnumber", "CARD-0001"),
            ("cardExternalId", "CEXT-0001"),
            ("id", str(RICH)),
        ],
    )
    def test_finds_the_customer_by_each_identifier(self, ledger, name, value):
        body = info(ledger, identifierName=name, identifierValue=value).json()
        assert body["customerDetails"]["userId"] == RICH
        assert body["customerDetails"]["externalId"] == "led-1"

    def test_rejects_unknown_customer(self, ledger):
        before = ledger_snapshot(ledger)
        response = info(ledger, identifierValue="nobody")
        assert_error(response, 8015, "Customer not found for the given identifiers")
        assert ledger_snapshot(ledger) == before

    def test_rejects_nul_in_identifier_value(self, ledger):
        response = info(ledger, identifierValue="led\x00-1")
        assert_error(response, 8015, "Customer not found for the given identifiers")

    @pytest.mark.parametrize("value", ["99999999999999999999999", "１２３", "-5"])
    def test_rejects_impossible_user_id_with_11012(self, ledger, value):
        response = info(ledger, identifierName="id", identifierValue=value)
        assert_error(response, 11012, "Invalid userId passed in request")

    @pytest.mark.parametrize("name", ["phone", "", "wechatId"])
    def test_rejects_invalid_identifier_name(self, ledger, name):
        before = ledger_snapshot(ledger)
        response = info(ledger, identifierName=name)
        assert_error(response, 8013, "Invalid identifier passed")
        assert ledger_snapshot(ledger) == before

    def test_rejects_invalid_source(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(info(ledger, source="SHOP"), 8012, "Invalid source passed.")
        assert ledger_snapshot(ledger) == before

    def test_rejects_missing_source(self, ledger):
        response = ledger.get(
            INFO, params={"identifierName": "externalId", "identifierValue": "led-1"}, headers=AUTH
        )
        assert_error(response, 8012, "Invalid source passed.")

    def test_multi_account_source_needs_account_id(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(info(ledger, source="WECHAT"), 8045, "Account id is not passed.")
        assert ledger_snapshot(ledger) == before

    @pytest.mark.parametrize("spelling", ["accountId", "acountId"])
    def test_multi_account_source_with_account_id(self, ledger, spelling):
        body = info(ledger, source="WECHAT", **{spelling: "WECHAT-SN"}).json()
        assert body["customerDetails"]["userId"] == RICH

    def test_rejects_unknown_type(self, ledger):
        response = info(ledger, type="FRIEND")
        assert_error(
            response,
            11030,
            "Invalid input: type must be CUSTOMER, FLEET or USERGROUP2, not 'FRIEND'",
        )


class TestDefaultWindow:
    def test_without_dates_the_last_seven_days(self, client):
        load_ledger_org(client, LEDGER_DEFAULT_WHOLE_HISTORY=False)
        client.post("/_emulator/clock", json={"set": "2024-01-12T00:00:00+00:00"})
        body = info(client).json()
        dates = [e["ledgerCreatedDate"][:10] for e in body["ledgerEntries"]]
        assert dates and all("2024-01-05" <= d <= "2024-01-12" for d in dates), dates

    def test_nothing_in_the_window_is_11003(self, client):
        load_ledger_org(client, LEDGER_DEFAULT_WHOLE_HISTORY=False)
        # Every event of the ledger org is dated January 2024: none in the last 7 days.
        assert_error(
            info(client),
            11003,
            "There are no ledger entries present for the given parameters. "
            "Try removing parameters to widen the search",
        )

    def test_org_key_selects_the_whole_history(self, client):
        load_ledger_org(client, LEDGER_DEFAULT_WHOLE_HISTORY=True)
        client.post("/_emulator/clock", json={"set": "2024-01-12T00:00:00+00:00"})
        dates = [e["ledgerCreatedDate"][:10] for e in info(client).json()["ledgerEntries"]]
        assert min(dates) < "2024-01-05"


class TestFilters:
    def test_program_id(self, ledger):
        body = info(ledger, programId=BETA).json()
        assert event_dates(body) == [
            "2024-01-05T12:00:00+00:00",
            "2024-01-12T12:00:00+00:00",
            "2024-01-20T12:00:00+00:00",
        ]
        assert {d["programId"] for e in body["ledgerEntries"] for d in e["entryDetails"]} == {BETA}

    def test_unknown_program_has_no_entries(self, ledger):
        assert_error(
            info(ledger, programId=999),
            11003,
            "There are no ledger entries present for the given parameters. "
            "Try removing parameters to widen the search",
        )

    def test_rejects_non_numeric_program_id(self, ledger):
        assert_error(
            info(ledger, programId="abc"),
            11030,
            "Invalid input: programId must be a whole number, got 'abc'",
        )

    def test_till_id(self, ledger):
        body = info(ledger, tillId=TILL_SOUTH_1).json()
        assert [(e["tillCode"], e["netPointsOnEvent"]) for e in body["ledgerEntries"]] == [
            ("ledger.south1", "70.000")
        ]

    def test_till_ids(self, ledger):
        body = info(ledger, tillIds=f"{TILL_SOUTH_1},{TILL_SOUTH_2}").json()
        assert [e["tillCode"] for e in body["ledgerEntries"]] == ["ledger.south1", "ledger.south2"]

    def test_three_till_ids_and_a_repeated_one(self, ledger):
        every_till = info(ledger).json()["ledgerEntries"]
        listed = f"{TILL_SOUTH_2},{TILL_NORTH},{TILL_SOUTH_1},{TILL_NORTH}"
        body = info(ledger, tillIds=listed).json()
        assert body["ledgerEntries"] == every_till
        balance_body = balance(ledger, tillIds=listed).json()
        assert balance_body["ledgerDetails"] == balance(ledger).json()["ledgerDetails"]

    def test_store_code_covers_every_till_of_the_store(self, ledger):
        body = info(ledger, storeCode="south").json()
        assert [e["tillCode"] for e in body["ledgerEntries"]] == ["ledger.south1", "ledger.south2"]

    def test_store_id(self, ledger):
        body = info(ledger, storeId="71").json()
        assert {e["tillCode"] for e in body["ledgerEntries"]} == {"ledger.north"}
        assert body["ledgerDetails"]["totalEntries"] == 6

    @pytest.mark.parametrize(
        ("entry_type", "expected"),
        [
            ("CREDIT", ["TransactionAdd"] * 5),
            ("DEBIT", ["PointsRedemption"] * 2),
            ("OPENING_BALANCE", ["CustomerRegistration"]),
            ("credit", ["TransactionAdd"] * 5),
        ],
    )
    def test_ledger_entry_type(self, ledger, entry_type, expected):
        body = info(ledger, ledgerEntryType=entry_type).json()
        assert event_names(body) == expected
        assert {d["ledgerEntryType"] for e in body["ledgerEntries"] for d in e["entryDetails"]} == {
            entry_type.upper()
        }

    @pytest.mark.parametrize(
        ("category_type", "category", "dates"),
        [
            ("REGULAR", "Main", [1, 2, 5, 12, 20, 25]),
            ("PROMISED", "DelayedAccrualPointCategory", [10]),
            ("TRIGGER_BASED", "ExternalTriggerBasedPointCategory", [15]),
        ],
    )
    def test_point_category_type(self, ledger, category_type, category, dates):
        body = info(ledger, pointCategoryType=category_type).json()
        assert event_dates(body) == [f"2024-01-{d:02d}T12:00:00+00:00" for d in dates]
        assert {d["pointsCategory"] for e in body["ledgerEntries"] for d in e["entryDetails"]} == {
            category
        }

    def test_filters_combine(self, ledger):
        body = info(ledger, programId=BETA, ledgerEntryType="DEBIT", storeCode="south").json()
        assert [e["netPointsOnEvent"] for e in body["ledgerEntries"]] == ["-10.500"]

    def test_include_till_concept_events_with_program_id(self, ledger):
        body = info(ledger, includeTillConceptEvents="true", programId=ALPHA).json()
        assert body["ledgerDetails"]["totalEntries"] == 5

    def test_date_window(self, ledger):
        body = info(ledger, startDate="2024-01-05T00:00:00", endDate="2024-01-15T12:00:00").json()
        assert event_dates(body) == [
            "2024-01-05T12:00:00+00:00",
            "2024-01-10T12:00:00+00:00",
            "2024-01-12T12:00:00+00:00",
            "2024-01-15T12:00:00+00:00",
        ]

    def test_bare_dates_cover_whole_days(self, ledger):
        body = info(ledger, startDate="2024-01-10", endDate="2024-01-12").json()
        assert len(body["ledgerEntries"]) == 2

    def test_dates_with_offset(self, ledger):
        # 2024-01-02T12:00Z is 17:30 at +05:30.
        body = info(
            ledger, startDate="2024-01-02T17:30:00+05:30", endDate="2024-01-02T17:30:00+05:30"
        ).json()
        assert event_dates(body) == ["2024-01-02T12:00:00+00:00"]

    def test_start_date_alone_spans_seven_days(self, ledger):
        body = info(ledger, startDate="2024-01-05T12:00:00").json()
        assert event_dates(body) == [
            "2024-01-05T12:00:00+00:00",
            "2024-01-10T12:00:00+00:00",
            "2024-01-12T12:00:00+00:00",
        ]

    def test_end_date_alone_spans_seven_days_back(self, ledger):
        body = info(ledger, endDate="2024-01-20T12:00:00").json()
        assert event_dates(body) == [
            "2024-01-15T12:00:00+00:00",
            "2024-01-20T12:00:00+00:00",
        ]

    def test_no_dates_means_the_whole_history(self, ledger):
        assert info(ledger).json()["ledgerDetails"]["totalEntries"] == len(RICH_EVENTS)

    def test_newer_window_config_spans_the_whole_window_from_one_date(self, client):
        load_ledger_org(client, LEDGER_MAX_DATE_RANGE_DAYS=90)
        body = info(client, startDate="2024-01-02T00:00:00").json()
        assert body["ledgerDetails"]["totalEntries"] == len(RICH_EVENTS) - 1
        wide = info(client, startDate="2023-12-01T00:00:00", endDate="2024-02-28T00:00:00")
        assert wide.json()["ledgerDetails"]["totalEntries"] == len(RICH_EVENTS)


class TestFilterErrors:
    NO_ENTRIES = (
        "There are no ledger entries present for the given parameters. "
        "Try removing parameters to widen the search"
    )

    @pytest.mark.parametrize(
        "params",
        [
            {"tillId": TILL_NORTH, "storeCode": "north"},
            {"tillIds": f"{TILL_NORTH}", "storeId": "71"},
            {"tillId": TILL_NORTH, "tillIds": f"{TILL_NORTH}"},
        ],
    )
    def test_rejects_more_than_one_till_filter(self, ledger, params):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, **params),
            11028,
            "Multiple input parameters set. Please provide only one of the following: "
            "tillId, tillIds, storeCode or storeId",
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_malformed_till_id(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, tillId="abc"), 11025, 'Till id format exception:For input string: "abc"'
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_malformed_till_ids_piece(self, ledger):
        assert_error(
            info(ledger, tillIds=f"{TILL_NORTH},x1"),
            11025,
            'Till id format exception:For input string: "x1"',
        )

    def test_rejects_unknown_till_ids(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, tillIds=f"{TILL_NORTH},123,456"), 11027, "Invalid tillIds: 123,456"
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_another_orgs_till(self, ledger):
        assert_error(info(ledger, tillId="15041276"), 11027, "Invalid tillIds: 15041276")

    def test_rejects_unknown_store_code(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, storeCode="abc"), 11026, "No tills found for store with store code: abc"
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_nul_in_store_code(self, ledger):
        response = info(ledger, storeCode="a\x00b")
        assert response.json()["errors"][0]["code"] == 11026

    def test_rejects_unknown_store_id(self, ledger):
        assert_error(
            info(ledger, storeId="123"), 11026, "No tills found for store with store id: 123"
        )

    def test_rejects_malformed_store_id(self, ledger):
        assert_error(
            info(ledger, storeId="x"),
            11030,
            "Invalid input: storeId must be a whole number, got 'x'",
        )

    def test_rejects_invalid_ledger_entry_type(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, ledgerEntryType="REFUND"),
            11007,
            "Invalid ledgerEntryType passed in request",
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_invalid_point_category_type(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, pointCategoryType="Main"),
            11008,
            "Invalid pointCategoryType passed in request",
        )
        assert ledger_snapshot(ledger) == before

    def test_include_till_concept_events_needs_program_id(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, includeTillConceptEvents="true"),
            11030,
            "Invalid input: includeTillConceptEvents=true needs programId "
            "(invalid input combination)",
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_non_boolean_include_till_concept_events(self, ledger):
        assert_error(
            info(ledger, includeTillConceptEvents="yes", programId=ALPHA),
            11030,
            "Invalid input: includeTillConceptEvents must be true or false, got 'yes'",
        )

    @pytest.mark.parametrize("name", ["startDate", "endDate"])
    @pytest.mark.parametrize(
        "value",
        [
            "yesterday",
            "2024-13-01T00:00:00",
            "2024-01-02 25:00",
            "9",
            "20240101T000000",
            "2024-W01-1T00:00",
            "2024-01-01T00:00:00\x00",
            "２０２４-01-01",
        ],
    )
    def test_rejects_malformed_dates(self, ledger, name, value):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, **{name: value}),
            11030,
            f"Invalid input: {name} must be a date in YYYY-MM-DDThh:mm:ss format, got {value!r}",
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_start_after_end(self, ledger):
        assert_error(
            info(ledger, startDate="2024-01-10T00:00:00", endDate="2024-01-09T00:00:00"),
            11030,
            "Invalid input: startDate must not be after endDate",
        )

    def test_rejects_window_over_thirty_days(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, startDate="2024-01-01T00:00:00", endDate="2024-02-01T00:00:00"),
            11030,
            "Invalid input: startDate and endDate must not be more than 30 days apart",
        )
        assert ledger_snapshot(ledger) == before

    def test_thirty_days_exactly_is_allowed(self, ledger):
        body = info(ledger, startDate="2024-01-01T00:00:00", endDate="2024-01-31T00:00:00").json()
        assert body["ledgerDetails"]["totalEntries"] == len(RICH_EVENTS)

    def test_rejects_out_of_range_dates(self, ledger):
        assert_error(
            info(ledger, endDate="0001-01-01T00:00:00"),
            11030,
            "Invalid input: startDate or endDate is out of range",
        )
        response = info(ledger, endDate="9999-12-31T23:59:59-05:00")
        assert response.json()["errors"][0]["code"] == 11030

    def test_empty_window_has_no_entries(self, ledger):
        assert_error(
            info(ledger, startDate="2023-01-01T00:00:00", endDate="2023-01-02T00:00:00"),
            11003,
            self.NO_ENTRIES,
        )


class TestPaging:
    NO_ENTRIES = TestFilterErrors.NO_ENTRIES

    def long_page(self, client, **params):
        return info(client, identifierValue="led-2", **params)

    def test_pages_cover_every_entry_exactly_once(self, ledger):
        seen = []
        for page in range(3):
            body = self.long_page(ledger, offset=page).json()
            assert body["ledgerDetails"] == {
                "pageNumber": page,
                "pageSize": 10,
                "totalEntries": LONG_EVENTS,
                "pageCount": 3,
            }
            seen += [e["eventLogId"] for e in body["ledgerEntries"]]
        assert len(seen) == LONG_EVENTS == len(set(seen))
        everything = self.long_page(ledger, startDate="2024-01-01", endDate="2024-01-01").json()
        assert everything["ledgerDetails"]["totalEntries"] == LONG_EVENTS

    def test_pages_cover_every_entry_descending(self, ledger):
        pages = [self.long_page(ledger, offset=p, limit=7, order="DESC").json() for p in range(4)]
        ids = [e["eventLogId"] for page in pages for e in page["ledgerEntries"]]
        assert [len(p["ledgerEntries"]) for p in pages] == [7, 7, 7, 2]
        assert len(set(ids)) == LONG_EVENTS
        ascending = [
            e["eventLogId"]
            for p in range(3)
            for e in self.long_page(ledger, offset=p).json()["ledgerEntries"]
        ]
        assert ids == list(reversed(ascending))

    def test_page_past_the_end(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(self.long_page(ledger, offset=3), 11003, self.NO_ENTRIES)
        assert ledger_snapshot(ledger) == before

    def test_limit_over_the_maximum(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(self.long_page(ledger, limit=11), 11029, "Limit cannot be greater than 10")
        assert ledger_snapshot(ledger) == before

    def test_newer_maximum_limit(self, client):
        load_ledger_org(client, LEDGER_MAX_LIMIT=100)
        body = self.long_page(client, limit=100).json()
        assert len(body["ledgerEntries"]) == LONG_EVENTS
        assert body["ledgerDetails"]["pageCount"] == 1
        assert_error(self.long_page(client, limit=101), 11029, "Limit cannot be greater than 100")

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"limit": "abc"}, "limit must be a whole number, got 'abc'"),
            ({"limit": "2.5"}, "limit must be a whole number, got '2.5'"),
            ({"limit": "0"}, "limit must be at least 1, got '0'"),
            ({"offset": "-1"}, "offset (a page number) must be 0 or more, got -1"),
            ({"offset": "1e3"}, "offset must be a whole number, got '1e3'"),
            ({"offset": "9" * 30}, f"offset must be a whole number, got '{'9' * 30}'"),
        ],
    )
    def test_rejects_malformed_paging(self, ledger, params, message):
        before = ledger_snapshot(ledger)
        assert_error(self.long_page(ledger, **params), 11030, "Invalid input: " + message)
        assert ledger_snapshot(ledger) == before


class TestOrdering:
    def test_ascending_by_default(self, ledger):
        dates = event_dates(info(ledger).json())
        assert dates == sorted(dates)

    @pytest.mark.parametrize("name", ["order", "sortOrder", "sort"])
    def test_descending(self, ledger, name):
        dates = event_dates(info(ledger, **{name: "desc"}).json())
        assert dates == sorted(dates, reverse=True)

    def test_same_instant_events_keep_their_order(self, ledger):
        asc = [e["eventLogId"] for e in info(ledger, identifierValue="led-2", limit=3).json()[
            "ledgerEntries"]]  # fmt: skip
        assert asc == sorted(asc)

    def test_rejects_invalid_order(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            info(ledger, order="NEWEST"),
            11030,
            "Invalid input: order must be ASC or DESC, got 'NEWEST'",
        )
        assert ledger_snapshot(ledger) == before

    def test_rejects_conflicting_orders(self, ledger):
        assert_error(
            info(ledger, order="ASC", sortOrder="DESC"),
            11030,
            "Invalid input: order, sortOrder and sort disagree",
        )


class TestGroupLedger:
    def group_info(self, client, name="id", value=str(GROUP), **params):
        return client.get(
            INFO,
            params={"type": "USERGROUP2", "identifierName": name, "identifierValue": value,
                    "source": "INSTORE", **params},
            headers=AUTH,
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("name", "value"),
        [("id", str(GROUP)), ("groupId", str(GROUP)), ("externalId", "ledger-group"),
         ("primaryUserId", "70000003")],
    )  # fmt: skip
    def test_finds_the_group_by_each_identifier(self, ledger, name, value):
        body = self.group_info(ledger, name, value).json()
        assert body["customerDetails"] == {
            "userId": -GROUP,
            "groupId": GROUP,
            "externalId": "ledger-group",
            "entityType": "USERGROUP2",
        }

    def test_group_entries(self, ledger):
        body = self.group_info(ledger).json()
        assert event_names(body) == ["UserGroup2Create", "TransactionAdd"]
        assert {e["customerId"] for e in body["ledgerEntries"]} == {-GROUP}
        create = body["ledgerEntries"][0]
        assert len(create["entryDetails"]) == 6  # 2 programs x 3 categories
        assert {d["ledgerEntryType"] for d in create["entryDetails"]} == {"OPENING_BALANCE"}
        assert body["ledgerEntries"][1]["netPointsOnEvent"] == "40.000"

    def test_group_balance(self, ledger):
        body = ledger.get(
            "/v2/pointsLedger/getCustomerLedgerBalance",
            params={"type": "USERGROUP2", "identifierName": "id", "identifierValue": GROUP,
                    "source": "INSTORE"},
            headers=AUTH,
        ).json()  # fmt: skip
        rows = body["ledgerDetails"]["ledgerClosingBalance"]
        assert len(rows) == 6
        assert {(r["programId"], r["pointsCategory"]): r["closingBalance"] for r in rows}[
            (BETA, "Main")
        ] == "40.000"

    def test_fleet_is_the_seeds_name_for_a_group(self, client):
        response = client.get(
            INFO + "?type=FLEET&identifierName=id&identifierValue=2626&source=INSTORE",
            headers=DEMO_AUTH,
        )
        body = response.json()
        assert body["customerDetails"]["entityType"] == "FLEET"
        assert body["customerDetails"]["groupId"] == 2626
        assert event_names(body) == ["TransactionAdd"]

    def test_demo_group_sample_request(self, client):
        response = client.get(
            INFO + "?type=USERGROUP2&identifierName=id&identifierValue=2626&source=INSTORE"
            "&offset=0&limit=10&order=DESC",
            headers=DEMO_AUTH,
        )
        body = response.json()
        # The group's creation (2021-10-07, as the seed's samples date it) is older than the
        # seed's default window, the last 7 days.
        assert event_names(body) == ["TransactionAdd"]
        assert body["ledgerEntries"][0]["customerId"] == -2626

    def test_rejects_unknown_group(self, ledger):
        before = ledger_snapshot(ledger)
        assert_error(
            self.group_info(ledger, value="999"), 1645, "group details passed are not valid"
        )
        assert ledger_snapshot(ledger) == before

    @pytest.mark.parametrize(("name", "value"), [("externalId", "g\x00"), ("id", "9" * 25)])
    def test_rejects_impossible_group_identifiers(self, ledger, name, value):
        response = self.group_info(ledger, name=name, value=value)
        assert_error(response, 1645, "group details passed are not valid")

    def test_rejects_customer_identifier_for_a_group(self, ledger):
        assert_error(self.group_info(ledger, name="mobile"), 8013, "Invalid identifier passed")

    def test_group_filters(self, ledger):
        body = self.group_info(ledger, ledgerEntryType="CREDIT").json()
        assert event_names(body) == ["TransactionAdd"]


class TestReadsKeepTheAuditOk:
    def test_audit_after_reads(self, ledger):
        info(ledger)
        audit_ok(ledger)


class TestTransactionDetails:
    def _bill_org(self, client):
        seed = {
            "orgs": [
                {
                    "orgId": 712000,
                    "name": "Bills",
                    "tills": [{"tillId": 7120001, "code": "bills.till", "password": "pw"}],
                    "programs": [{"programId": 7121, "name": "Bills P", "default": True}],
                    "customers": [
                        {
                            "userId": 71200001,
                            "identifiers": {"externalId": "bill-customer"},
                            "points": [
                                {"programId": 7121, "points": 437.08, "awardedAt": "-P1D",
                                 "transactionNumber": "return_bill_0001",
                                 "transactionId": 189948436, "amount": 4370.8},
                                {"programId": 7121, "points": 5, "awardedAt": "-PT1H"},
                            ],
                        }
                    ],
                }
            ]
        }  # fmt: skip
        return load_org(client, seed)

    def test_the_bills_id_and_amount(self, client):
        auth = self._bill_org(client)
        query = {"identifierName": "externalId", "identifierValue": "bill-customer"}
        body = client.get(INFO, params={**query, "source": "INSTORE"}, headers=auth).json()
        billed, unbilled = body["ledgerEntries"][1:]
        details = billed["transactionDetails"]
        assert details["transactionId"] == 189948436
        assert details["transactionNumber"] == "return_bill_0001"
        assert details["amount"] == 4370.8 and isinstance(details["amount"], float)
        # A TransactionAdd without a known bill: the event id stands in, no amount.
        assert unbilled["transactionDetails"]["transactionId"] == unbilled["eventLogId"]
        assert "amount" not in unbilled["transactionDetails"]
