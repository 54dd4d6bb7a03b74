"""Motion planning: per-frame mouth, eye and head parameters for the whole audio."""

from .plan import plan_motion
from .types import MOUTH_CHANNELS, MotionPlan

__all__ = ["MOUTH_CHANNELS", "MotionPlan", "plan_motion"]
