"""Every fuzz target, by area."""

from tests.fuzz.target import Target
from tests.fuzz.targets_accounts import ACCOUNT
from tests.fuzz.targets_learner import LEARNER
from tests.fuzz.targets_mfa import MFA_TARGETS
from tests.fuzz.targets_studio import STUDIO
from tests.fuzz.targets_supervisor import SUPERVISOR

TARGETS: list[Target] = [*LEARNER, *SUPERVISOR, *STUDIO, *ACCOUNT, *MFA_TARGETS]
