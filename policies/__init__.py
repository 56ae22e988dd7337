"""Cedar policies for Clearance and the engine that applies them.

``policies`` knows nothing of storage, media or the log: the ledger fills the
typed facts in :mod:`policies.facts`, calls :meth:`PolicyEngine.decide` (or
:meth:`PolicyEngine.audit_training`) and records the :class:`Decision`.
The rules themselves live in the ``*.cedar`` files beside this module.
"""

from policies.decision import (
    AssetClearance,
    CandidateOutcome,
    Decision,
    Finding,
    GrantRef,
    PolicyInfo,
    Reason,
    Touch,
    Verdict,
)
from policies.engine import PolicyEngine
from policies.errors import EvaluationError, FactsError, PolicyError, PolicyLoadError, PolicyProblem
from policies.facts import (
    AssetFacts,
    ConsentFacts,
    EstatePermissionFacts,
    LicenseFacts,
    MatchFacts,
    ModelFacts,
    ModelLicenseFacts,
    OptOutSignal,
    PersonFacts,
    PolicyRequest,
    RequestContext,
)

__all__ = [
    "AssetClearance", "AssetFacts", "CandidateOutcome", "ConsentFacts", "Decision",
    "EstatePermissionFacts", "EvaluationError", "FactsError", "Finding", "GrantRef",
    "LicenseFacts", "MatchFacts", "ModelFacts", "ModelLicenseFacts", "OptOutSignal", "PersonFacts", "PolicyEngine", "PolicyError",
    "PolicyInfo", "PolicyLoadError", "PolicyProblem", "PolicyRequest", "Reason",
    "RequestContext", "Touch", "Verdict",
]
