"""Motion planning: per-frame mouth, eye and head parameters for the whole audio."""

from .plan import plan_motion
from .types import MotionPlan

__all__ = ["MotionPlan", "plan_motion"]
