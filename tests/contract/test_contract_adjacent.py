"""The documented samples of the endpoints next to the points API (v1.1 customer calls,
validationcode, updateRedemption, unlockPromisedPoints), compared by shape with what the
emulator answers. The samples are the docs' own, reduced to the keys the emulator emulates
(docs/emulation-coverage.md lists the rest), with one deliberate change: v1.1 `code`s are
integers where a sample prints "200" (clients compare them with 200)."""

from tests.contract.shapes import assert_same_shape
from tests.earning.test_unlock_promised import MOBILE as PROMISED_MOBILE
from tests.earning.test_unlock_promised import seed as promised_seed
from tests.reversals.reversal_builders import BECKY_MOBILE, redeem, reverse, reverse_body
from tests.support import DEMO_AUTH, audit_ok, load_org

STATUS = {"success": "true", "code": 200, "message": "Success"}
ITEM_STATUS = {"success": "true", "code": 1000, "message": "Customer registration successful"}

# v1.1 "Register Customer" sample (one item).
ADD_SAMPLE = {
    "response": {
        "status": {**STATUS, "total": 1, "success_count": 1},
        "customers": {
            "customer": [
                {
                    "user_id": 343445381,
                    "firstname": "Tom",
                    "lastname": "Cruise",
                    "mobile": "44700900000",
                    "email": "tom@example.com",
                    "external_id": "TOM345",
                    "lifetime_points": 0,
                    "loyalty_points": 0,
                    "lifetime_purchases": 0,
                    "registered_on": "2012-09-11 11:11:11",
                    "updated_on": "2019-12-09 11:19:23",
                    "type": "LOYALTY",
                    "source": "instore",
                    "item_status": ITEM_STATUS,
                }
            ]
        },
    }
}

# v1.1 "Get Customer Transactions" sample (one transaction).
TRANSACTIONS_SAMPLE = {
    "response": {
        "status": STATUS,
        "customer": {
            "firstname": "Tom",
            "lastname": "Sawyer",
            "user_id": "98662653",
            "mobile": "919740000000",
            "email": "tom.sawyer@example.com",
            "external_id": "anjvat123",
            "lifetime_points": 5730,
            "lifetime_purchases": 53609,
            "loyalty_points": 4776,
            "registered_on": "2019-04-14 11:32:30",
            "updated_on": "2020-04-03 06:58:32",
            "type": "LOYALTY",
            "source": "instore",
            "count": 51,
            "start": "321260040",
            "rows": "10",
            "transactions": {
                "transaction": [
                    {
                        "id": "321260040",
                        "number": "localcurrency0235",
                        "type": "REGULAR",
                        "return_type": "",
                        "amount": "2000",
                        "billing_time": "2020-04-01 00:00:00",
                        "auto_update_time": "2020-04-03 06:58:31",
                        "gross_amount": "2000",
                        "discount": "0",
                        "store": "International Business Park",
                        "store_code": "international_business_park",
                        "returned_points_on_bill": "0.0",
                        "points": {
                            "issued": "200",
                            "returned": "0",
                            "expiry_date": "2020-05-31 23:59:59",
                            "program_id": "469",
                        },
                    }
                ]
            },
        },
    }
}

# v1.1 "Get Customer Redemptions" sample (the points part; one redemption with a reversal).
REDEMPTIONS_SAMPLE = {
    "response": {
        "status": STATUS,
        "customer": {
            "mobile": "44700900000",
            "email": "tom.sawyer@example.com",
            "external_id": "1234",
            "firstname": "Tom",
            "lastname": "Sawyer",
            "rows": "3",
            "coupons_count": "3",
            "points_count": "15",
            "points_start_id": "121613",
            "redemptions": {
                "points": {
                    "point": [
                        {
                            "id": 1,
                            "program_id": 469,
                            "points_redeemed": 20,
                            "transaction_number": "txnre6",
                            "validation_code": "SI8380",
                            "redeemed_time": "2020-03-31 00:00:00",
                            "redeemed_at": "bukl.till",
                            "notes": "redeemed 20 points",
                            "redeemed_store": {
                                "code": "ibp",
                                "name": "International Business Park",
                            },
                            "redeemed_till": {"code": "bukl.till", "name": "bukl.till"},
                            "reversals": [
                                {
                                    "reversal_id": 1434301,
                                    "points_reversed": 20,
                                    "reversal_time": "2020-03-13 18:02:34",
                                    "reversed_on_till_id": 75040399,
                                    "reversal_breakup_by_program": [
                                        {
                                            "program_id": 469,
                                            "points_reversed": 20,
                                            "program_name": "",
                                        }
                                    ],
                                }
                            ],
                            "redemption_breakup_by_program": [
                                {"program_id": 469, "points_redeemed": 20, "program_name": ""}
                            ],
                        }
                    ]
                }
            },
        },
    }
}

# reference-capillary-api.md §10c.
VALIDATION_CODE_SAMPLE = {
    "response": {
        "status": {"success": "true", "code": 200, "message": "Operation Successful"},
        "validation_code": {
            "code": {
                "user_id": "55456",
                "mobile": "44700900999",
                "points": "50",
                "item_status": {
                    "success": "true",
                    "code": 200,
                    "message": "Validation Code Issued by SMS/Email",
                },
            }
        },
    }
}

# reference-capillary-api.md §10e (the documented start of the answer).
UPDATE_REDEMPTION_SAMPLE = {
    "id": 26503632,
    "programId": 973,
    "pointsRedeemed": 101.0,
    "billId": -1,
    "billNumber": "txn-79",
    "validationCode": "NS",
}

# reference-capillary-api.md §10f; `billNumber` a string, as the request sends it.
UNLOCK_SAMPLE = {"pointsUnlocked": [{"billNumber": "374", "pointsUnlocked": 6, "programId": 56}]}


def test_customer_add(client):
    body = {"root": {"customer": [{"mobile": "9555000201", "firstname": "Tom"}]}}
    response = client.post("/v1.1/customer/add?format=json", json=body, headers=DEMO_AUTH)
    assert_same_shape(ADD_SAMPLE, response.json())


def test_customer_transactions(client):
    params = {"source": "INSTORE", "identifierName": "mobile", "identifierValue": BECKY_MOBILE}
    client.post(
        "/v2/transactions", params=params, json={"billNumber": "C-1", "billAmount": 20},
        headers=DEMO_AUTH,
    )  # fmt: skip
    response = client.get(
        "/v1.1/customer/transactions", params={"mobile": BECKY_MOBILE}, headers=DEMO_AUTH
    )
    assert_same_shape(TRANSACTIONS_SAMPLE, response.json())


def test_customer_redemptions(client):
    code = redeem(client, 20)
    reverse(client, reverse_body(code, 20))
    response = client.get(
        "/v1.1/customer/redemptions", params={"mobile": BECKY_MOBILE}, headers=DEMO_AUTH
    )
    body = response.json()
    # The newest first: the one with a reversal is compared.
    body["response"]["customer"]["redemptions"]["points"]["point"] = body["response"]["customer"][
        "redemptions"
    ]["points"]["point"][:1]
    assert_same_shape(REDEMPTIONS_SAMPLE, body)


def test_validation_code(client):
    response = client.get(
        "/v1.1/points/validationcode?mobile=919740000000&points=50&format=json", headers=DEMO_AUTH
    )
    assert_same_shape(VALIDATION_CODE_SAMPLE, response.json())


def test_update_redemption(client):
    code = redeem(client, 10)
    response = client.put(
        "/v2/points/updateRedemption",
        json={"redemptionId": code, "billNumber": "txn-79", "purpose": "gift"},
        headers=DEMO_AUTH,
    )
    assert_same_shape(UPDATE_REDEMPTION_SAMPLE, response.json())
    audit_ok(client)


def test_unlock_promised_points(client):
    auth = load_org(client, promised_seed())
    response = client.post(
        "/v2/points/unlockPromisedPoints",
        params={
            "identifierName": "mobile",
            "identifierValue": PROMISED_MOBILE,
            "source": "INSTORE",
        },
        json={"eventName": "TransactionAdd", "billNumber": "bill-7"},
        headers=auth,
    )
    assert_same_shape(UNLOCK_SAMPLE, response.json())
    audit_ok(client)
