"""The batch on the Prefect dashboard: a progress bar, tables, the clerks' list.

Orchestration only: the content comes from ``pipeline.reporting`` (pure, and
free of personal data by construction); this module hands it to Prefect's
artifact API. A dashboard that cannot be written never fails the batch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from prefect import get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from pipeline.models import ApplicationResult
from pipeline.reporting import (
    artifact_key,
    clerk_markdown,
    failed_files_table,
    overview_table,
    progress_percent,
)

#: Where the clerks' review app is, for a link on the dashboard (optional).
REVIEW_URL_VARIABLE = "PROOFS_REVIEW_URL"
#: Update the progress artifact at most every this many percentage points.
PROGRESS_STEP = 2.0


class BatchDashboard:
    """Artifacts of one batch run, keyed by batch so each batch has its own history."""

    def __init__(self, batch: str) -> None:
        self.batch = batch
        self._progress_id = None
        self._shown = -PROGRESS_STEP

    def start(self, total_files: int) -> None:
        self._safely(self._start, total_files)

    def progress(self, done: int, total: int) -> None:
        """Move the progress artifact (throttled: each update is an API call)."""
        percent = progress_percent(done, total)
        if self._progress_id is None or (percent < 100.0 and percent - self._shown < PROGRESS_STEP):
            return
        self._shown = percent
        self._safely(
            update_progress_artifact,
            artifact_id=self._progress_id,
            progress=percent,
            description=f"batch {self.batch}: {done} of {total} files read",
        )

    def finish(
        self,
        results: Sequence[ApplicationResult],
        numbers: Mapping[str, Mapping[str, int]],
        crashed: Sequence[str],
    ) -> None:
        """Tables and the clerks' list, once every application is decided. The values
        read from each application were registered for masking when its result came in
        (``flows.work.register_result_secrets``): ``results`` may be compact."""
        self._safely(self._finish, results, numbers, crashed)

    def _start(self, total_files: int) -> None:
        self._progress_id = create_progress_artifact(
            progress=progress_percent(0, total_files),
            key=artifact_key(self.batch, "progress"),
            description=f"batch {self.batch}: 0 of {total_files} files read",
        )
        self._shown = 0.0

    def _finish(
        self,
        results: Sequence[ApplicationResult],
        numbers: Mapping[str, Mapping[str, int]],
        crashed: Sequence[str],
    ) -> None:
        create_table_artifact(
            table=overview_table(results, numbers, crashed),
            key=artifact_key(self.batch, "overview"),
            description=(
                f"batch {self.batch}: applications by status, notice items by material and "
                "reason, failed files by error code"
            ),
        )
        failed = failed_files_table(results, numbers)
        if failed:
            create_table_artifact(
                table=failed,
                key=artifact_key(self.batch, "failed-files"),
                description=f"batch {self.batch}: files that could not be read, and why",
            )
        review_url = os.environ.get(REVIEW_URL_VARIABLE) or None
        create_markdown_artifact(
            markdown=clerk_markdown(self.batch, results, numbers, crashed, review_url),
            key=artifact_key(self.batch, "clerks"),
            description=f"batch {self.batch}: what needs a clerk",
        )
        if review_url:
            create_link_artifact(
                link=review_url,
                link_text="review app",
                key=artifact_key(self.batch, "review-app"),
                description="the clerks' review app",
            )

    def _safely(self, action, *args, **kwargs) -> None:
        try:
            action(*args, **kwargs)
        except Exception as error:  # the dashboard is a view: never fail the batch for it
            get_run_logger().warning(
                "batch %s: the dashboard could not be updated (%s)",
                self.batch,
                type(error).__name__,
            )
