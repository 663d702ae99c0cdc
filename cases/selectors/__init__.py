from cases.selectors.cases import (
    NextStep,
    TimelineItem,
    case_documents,
    case_timeline,
    my_cases,
    next_steps,
    organisations_of,
)

__all__ = [
    "NextStep",
    "TimelineItem",
    "case_documents",
    "case_timeline",
    "my_cases",
    "next_steps",
    "organisations_of",
]
