"""The problems' lifecycle reference, printed from their transition table (``hotline problems
lifecycle``) so that docs/problems.md cannot drift from it."""

from hotline.core.lifecycle import markdown_rows
from hotline.org.roles import Role

from .workflow import REPORT_IN_WITHIN, TRANSITIONS, Reach, Status

_REACH = {
    Reach.LEAD: "the centre, the leader, or the lead unit and the units below it",
    Reach.CALLED: "a unit called in on the problem",
}
BEGIN, END = "<!-- lifecycle: begin -->", "<!-- lifecycle: end -->"


def lifecycle_markdown() -> str:
    lines = [
        BEGIN,
        "",
        "| state | 中文 |",
        "| --- | --- |",
        *[f"| {s.value} | {s.label} |" for s in Status],
        "",
        *markdown_rows(TRANSITIONS.values(), [s.value for s in Status], list(Role), _REACH),
    ]
    lines += [
        "",
        f"A unit called in reports in within {REPORT_IN_WITHIN.amount} working hours.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"
