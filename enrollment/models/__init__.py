from .applications import (  # noqa: F401
    Application,
    ApplicationChoice,
    ApplicationEvent,
    Document,
    PointsAdjustment,
    Round,
    SiblingGroup,
)
from .audit import AuditEvent, LoginAttempt, RosterVisit  # noqa: F401
from .kokoa import (  # noqa: F401
    KokoaAttendance,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
)
from .letters import DocumentNumberSeries, Letter, LetterBatch, LetterKind, LetterTemplate  # noqa: F401
from .org import Club, ClubGradeLimit, FiscalYear, Operator, RuleSet, School, SchoolDistrict  # noqa: F401
from .people import Child, Guardian, Household, HouseholdInvitation, User  # noqa: F401
from .placement import AllocationRun, Enrollment, Offer, WaitlistEntry, Withdrawal  # noqa: F401
