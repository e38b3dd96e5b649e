"""A group's `createdOn` from the seed document is absolute: restoring the seed snapshot later
must not move it (only times relative to the load, like "-P1D", move)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.config import DEMO_SEED_FILE
from capillary_emulator.db import Base
from capillary_emulator.lifecycle import restore_seed
from capillary_emulator.models import PointAward, UserGroup


class TestSeedRestore:
    def test_keeps_absolute_times_and_moves_relative_ones(self):
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        later = clock.system_now() + timedelta(days=3)
        with Session(engine) as session:
            restore_seed(session, DEMO_SEED_FILE, now=later)
            fleet = session.get(UserGroup, 2626)
            household = session.get(UserGroup, 1981)
            assert fleet is not None and household is not None
            assert fleet.created_on == datetime(2021, 10, 7, 10, 12, 2, tzinfo=UTC)
            # No createdOn: the group is as old as its first award, one day before the load.
            assert household.created_on == later - timedelta(days=1)
            award = session.query(PointAward).filter_by(owner_id=1981).one()
            assert award.awarded_at == later - timedelta(days=1)
        engine.dispose()
