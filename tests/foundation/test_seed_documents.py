import copy
import json

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.main import create_app
from capillary_emulator.models import Customer, LedgerEntry, Org
from capillary_emulator.seed.schema import seed_json_schema
from tests.support import PROJECT_ROOT, audit_ok, basic_auth

SHARED_SEED = PROJECT_ROOT.parent / "shared" / "examples" / "demo-seed.yaml"


def demo_document() -> dict:
    return yaml.safe_load(DEMO_SEED_FILE.read_text())


def second_org(doc: dict) -> dict:
    """The demo org under new ids, so it can be loaded beside the demo data."""
    org = copy.deepcopy(doc["orgs"][0])
    org["orgId"] = 200001
    for i, till in enumerate(org["tills"]):
        till["tillId"] = 900000 + i
        till["code"] = f"second.{till['code']}"
    for client_ in org["oauthClients"]:
        client_["key"] = "second-" + client_["key"]
        client_["tillCode"] = f"second.{client_['tillCode']}"
    ids = {}
    for i, program in enumerate(org["programs"]):
        ids[program["programId"]] = 800000 + i
        program["programId"] = 800000 + i
    users = {}
    for i, customer in enumerate(org["customers"]):
        users[customer["userId"]] = 700000000 + i
        customer["userId"] = 700000000 + i
        for points in customer.get("points", []):
            points["programId"] = ids[points["programId"]]
    for customer in org["customers"]:
        if customer.get("mergedInto"):
            customer["mergedInto"] = users[customer["mergedInto"]]
    for group in org["userGroups"]:
        group["groupId"] += 900000
        for member in group["members"]:
            member["userId"] = users[member["userId"]]
        for points in group.get("points", []):
            points["programId"] = ids[points["programId"]]
    for redemption in org["redemptions"]:
        redemption["userId"] = users[redemption["userId"]]
        redemption["programId"] = ids[redemption["programId"]]
    return {"orgs": [org]}


def count(session, model) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


class TestEmbeddedSeed:
    def test_is_the_shared_reference_document_unchanged(self):
        if SHARED_SEED.exists():  # beside the checkout in the workplace and in CI
            assert DEMO_SEED_FILE.read_text() == SHARED_SEED.read_text()
        assert demo_document()["orgs"][0]["orgId"] == 100458

    def test_loads_the_demo_org(self, client, session):
        org = session.get(Org, 100458)
        assert org is not None and org.timezone == "+05:30"
        assert session.get(Customer, 32429961).first_name == "Tom"
        audit_ok(client)


class TestPostSeed:
    def test_loads_the_demo_document_as_json(self, client, session):
        response = client.post("/_emulator/seed", json=second_org(demo_document()))
        assert response.status_code == 200, response.text
        created = response.json()["orgs"][0]
        assert created["orgId"] == 200001
        assert len(created["customers"]) == len(demo_document()["orgs"][0]["customers"])
        assert session.get(Org, 200001) is not None
        audit_ok(client)

    def test_new_org_till_authenticates(self, client):
        client.post("/_emulator/seed", json=second_org(demo_document()))
        headers = basic_auth("second.org2.till1", "till123")
        response = client.post(
            "/v3/oauth/token/generate",
            json={"key": "second-demo-client-key", "secret": "demo-client-secret"},
        )
        assert response.status_code == 200
        assert headers["Authorization"].startswith("Basic ")

    def test_rejects_a_bad_field_naming_its_path(self, client, session):
        doc = second_org(demo_document())
        doc["orgs"][0]["customers"][3]["points"][0]["category"] = "Gold"
        before = count(session, Customer)
        response = client.post("/_emulator/seed", json=doc)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["code"] == 400
        assert "orgs.0.customers.3.points.0.category" in error["message"]
        assert count(session, Customer) == before

    def test_rejects_an_unknown_reference_and_loads_nothing(self, client, session):
        doc = second_org(demo_document())
        doc["orgs"][0]["userGroups"][0]["members"][0]["userId"] = 123
        before = (count(session, Customer), count(session, LedgerEntry))
        response = client.post("/_emulator/seed", json=doc)
        assert response.status_code == 400
        assert "orgs.0.userGroups.0.members.0.userId" in response.json()["errors"][0]["message"]
        assert (count(session, Customer), count(session, LedgerEntry)) == before
        assert session.get(Org, 200001) is None

    def test_rejects_an_org_that_exists(self, client):
        response = client.post("/_emulator/seed", json=demo_document())
        assert response.status_code == 400
        assert "orgs.0.orgId" in response.json()["errors"][0]["message"]

    def test_rejects_a_redemption_the_points_do_not_cover(self, client, session):
        doc = second_org(demo_document())
        doc["orgs"][0]["redemptions"][0]["points"] = 100000
        response = client.post("/_emulator/seed", json=doc)
        assert response.status_code == 400
        assert "orgs.0.redemptions.0.points" in response.json()["errors"][0]["message"]
        assert session.get(Org, 200001) is None

    def test_rejects_a_document_that_is_not_an_object(self, client):
        response = client.post("/_emulator/seed", json=[1, 2])
        assert response.status_code == 400


class TestReset:
    def _snapshot(self, session) -> dict:
        session.rollback()
        from capillary_emulator.db import Base

        snapshot = {}
        for table in Base.metadata.sorted_tables:
            if table.name in ("emulator_state", "oauth_tokens"):
                continue
            rows = session.execute(select(table)).all()
            snapshot[table.name] = sorted(
                json.dumps([str(v) for v in row if not hasattr(v, "tzinfo")]) for row in rows
            )
        return snapshot

    def test_restores_the_seeded_state_exactly(self, client, session):
        before = self._snapshot(session)
        client.post("/_emulator/seed", json=second_org(demo_document()))
        client.post("/_emulator/clock", json={"advance": "P400D"})  # expires points
        assert self._snapshot(session) != before
        assert client.post("/_emulator/reset").status_code == 200
        assert self._snapshot(session) == before
        audit_ok(client)

    def test_one_org_only(self, client, session):
        client.post("/_emulator/seed", json=second_org(demo_document()))
        assert client.post("/_emulator/reset", params={"orgId": 200001}).status_code == 200
        assert session.get(Org, 200001) is None
        assert session.get(Org, 100458) is not None
        audit_ok(client)


class TestSchema:
    def test_served_schema_matches_the_published_file(self, client):
        served = client.get("/_emulator/seed/schema").json()
        assert served == seed_json_schema()
        published = json.loads((PROJECT_ROOT / "docs" / "seed-schema.json").read_text())
        assert published == served


class TestDemoDocumentAsJson:
    def test_loads_unchanged_into_an_emulator_seeded_with_something_else(self, tmp_path):
        """The reference document, as JSON, through POST /_emulator/seed: the sample requests
        then work against it."""
        minimal = {
            "orgs": [
                {
                    "orgId": 1,
                    "name": "Elsewhere",
                    "tills": [{"tillId": 1, "code": "elsewhere.till", "password": "pw"}],
                    "programs": [{"programId": 1, "name": "P", "default": True}],
                }
            ]
        }
        seed_file = tmp_path / "minimal.json"
        seed_file.write_text(json.dumps(minimal))
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", seed_file=seed_file)
        with TestClient(create_app(settings)) as fresh:
            response = fresh.post("/_emulator/seed", json=demo_document())
            assert response.status_code == 200, response.text
            assert response.json()["orgs"][0]["orgId"] == 100458
            audit_ok(fresh)
            balance = fresh.get(
                "/v2/pointsLedger/getCustomerLedgerBalance",
                params={"identifierName": "externalId", "identifierValue": "tomanatest2",
                        "source": "INSTORE"},
                headers=basic_auth(),
            )  # fmt: skip
            assert balance.status_code == 200
            assert balance.json()["customerDetails"]["userId"] == 502522264
