from cases.selectors.cases import (
    NextStep,
    TimelineItem,
    case_documents,
    case_timeline,
    held_stage,
    my_cases,
    next_steps,
    organisations_of,
)

__all__ = [
    "NextStep",
    "TimelineItem",
    "case_documents",
    "case_timeline",
    "held_stage",
    "my_cases",
    "next_steps",
    "organisations_of",
]
