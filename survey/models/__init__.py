"""The data model, one module per aggregate (organisation, rounds, responses, users, …)."""

from survey.models.audit import AuditLog
from survey.models.federation import ImportedFigure, ImportedPackage
from survey.models.feedback import AccessibilityFeedback
from survey.models.jobs import Job, RoundReminder
from survey.models.org import Unit, UnitRemap
from survey.models.plans import ActionPlan, PlanStatus
from survey.models.published import PreviewFile, PublishedFile
from survey.models.responses import Answer, Ballot, Draft, Response, ResponseComment
from survey.models.rounds import (
    Invitation,
    InvitationCount,
    QuestionnaireItem,
    QuestionnaireSnapshot,
    Round,
)
from survey.models.statistics import RoundStatistics, StoredFigures
from survey.models.suggestions import SuggestionText
from survey.models.tokens import ApiToken
from survey.models.users import RecoveryCode, SignInLock, User, UserUnit

__all__ = [
    "AccessibilityFeedback",
    "ActionPlan",
    "ApiToken",
    "Answer",
    "Ballot",
    "AuditLog",
    "Draft",
    "ImportedFigure",
    "ImportedPackage",
    "Invitation",
    "InvitationCount",
    "Job",
    "PlanStatus",
    "PreviewFile",
    "PublishedFile",
    "QuestionnaireItem",
    "QuestionnaireSnapshot",
    "Response",
    "ResponseComment",
    "Round",
    "RoundReminder",
    "RoundStatistics",
    "StoredFigures",
    "SuggestionText",
    "Unit",
    "UnitRemap",
    "RecoveryCode",
    "SignInLock",
    "User",
    "UserUnit",
]
