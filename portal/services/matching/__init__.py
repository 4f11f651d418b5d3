"""Explainable, globally optimal mentor matching (see docs/matching.md).

- ``cohort``: application answers -> NumPy arrays;
- ``scoring``: weighted factors over whole matrices, hard rules as masks;
- ``solver``: the capacity-constrained optimum (LP / min-cost flow, certified by duality);
- ``explain``: scores, top factors, near-misses, reasons for the unmatched;
- ``proposals``: the database side (propose, check, approve, swap, end).
"""

from portal.services.matching.proposals import (
    MatchingError,
    Proposal,
    approve,
    approve_all,
    check_pair,
    end_pairing,
    hand_pair,
    propose,
    proposed_count,
    reject,
    save_proposal,
    swap_mentor,
)
from portal.services.matching.settings import MatchingSettings
from portal.services.matching.solver import Mode

__all__ = [
    "MatchingError",
    "MatchingSettings",
    "Mode",
    "Proposal",
    "approve",
    "approve_all",
    "check_pair",
    "end_pairing",
    "hand_pair",
    "propose",
    "proposed_count",
    "reject",
    "save_proposal",
    "swap_mentor",
]
