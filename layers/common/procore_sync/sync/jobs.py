"""The messages on the sync queue. One job is one company, or one project of a company; a hint
comes from a webhook and names one record; an unhook takes a company's webhook down.

A job carries ids only, never a token: workers load the token when they use it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter


class SyncJob(BaseModel):
    kind: Literal["company", "project"]
    user_id: str = Field(min_length=1, max_length=200)
    company_id: int
    run_id: str = Field(min_length=1, max_length=100)
    project_id: int | None = None
    replayed_at: str | None = None  # set when an operator sends a dead letter back: run it again
    delays: int = Field(default=0, ge=0)  # times Procore's throttling sent this job back to wait

    @property
    def job_id(self) -> str:
        if self.kind == "company":
            return f"company#{self.company_id}"
        return f"project#{self.company_id}#{self.project_id}"


class HintJob(BaseModel):
    """A webhook's hint: fetch one record (or one project's bids) now, ahead of the schedule."""

    kind: Literal["hint"] = "hint"
    user_id: str = Field(min_length=1, max_length=200)
    company_id: int
    entity: Literal["project", "vendor", "project_bids"]
    record_id: int
    project_id: int | None = None
    event_type: str = Field(max_length=20)
    event_id: str = Field(max_length=100)
    delays: int = Field(default=0, ge=0)


class UnhookJob(BaseModel):
    """Take our webhook down in a company the user no longer syncs."""

    kind: Literal["unhook"] = "unhook"
    user_id: str = Field(min_length=1, max_length=200)
    company_id: int


Message = Annotated[SyncJob | HintJob | UnhookJob, Field(discriminator="kind")]
MESSAGE = TypeAdapter(Message)
