"""Capillary endpoints of this feature (to be filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["points"])
