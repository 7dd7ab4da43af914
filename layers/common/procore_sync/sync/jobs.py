"""The messages on the sync queue. One job is one company, or one project of a company.

A job carries ids only, never a token: workers load the token when they use it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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
