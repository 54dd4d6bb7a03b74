"""The face rig: control points around the 68 landmarks, and where they move for one frame.

Every displacement is built in the face's own frame (u along the eye line, v
down the face, lengths in pixels) and then turned by a small 3D head rotation
of a generic head shape fitted to the landmarks (an ellipsoid with a nose, its
size set by the inter-ocular distance), so that the face turns rather than
shears: the nose travels further than the cheeks, and the far side foreshortens.

Each control point carries a head weight: 1 on the face, falling off over hair
and neck to 0 on a still ring around the head and on the region border, and
capped near the border so the falloff never squeezes into a visible band; the
background does not move. The lids are not moved here: eyelids.py draws blinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...face.landmarks import FaceGeometry
from .curves import spline

N_LANDMARKS = 68

# The inner-lip gap the jaw adds at jaw_open = 1 ("AA", shouted), in inter-ocular distances:
# how far a jaw drops does not depend on how far a smile stretches the lips. (As a share of the
# mouth's width, 0.55, a smiling portrait opened 1.7 times as wide as a neutral one, and a
# closed-mouth portrait of a real speaker opened its widest vowels about two thirds as wide as
# she did: HDTF's Ocasio-Cortez and Hill clips, 90th percentiles 0.13-0.14 against 0.21-0.23.)
JAW_GAP_IOD = 0.55
# Mouth geometry, as fractions of the rest mouth width (corner to corner).
SEAL_INSET = 0.03  # sealing an open mouth samples each inner lip point this far inside its
SEAL_INSET_LIP = 0.3  # lip, or this share of the lip's thickness if less (see source_points)
# A portrait caught mid-word, its jaw dropped (the dark of the mouth shows between its lips:
# lips.opening_is_dark) and its lips apart wider than PARTED_IOD (in inter-ocular distances),
# rests with its lips together, and speech opens them from there as it opens a closed mouth:
# its own opening was a moment of speech, not a rest. Held as it was, it gaped between words
# and every seal swung across the whole gap (mouth spread 1.56x the real speaker's on HDTF's
# Ocasio-Cortez clip); held partly open, its lips hardly met (on HDTF's Hill clip a tenth of
# the speaking frames opened less than 0.10, of the real speaker's less than 0.017). A smile,
# its teeth together, rests as it is (the bundled sample: 0.14), or HELD_GAP_IOD open if it is
# wider; so do slightly parted lips and closed mouths.
PARTED_IOD = 0.08
HELD_GAP_IOD = 0.15
LOWER_LIP_SHARE = 0.8  # the jaw carries most of an opening; the upper lip rises a little
CLOSING_LOWER_SHARE = 0.6  # closing an open source mouth: both lips meet, the lower one more
CORNER_STRETCH = 0.12  # corner shift per side at mouth_width = +1 ("EE")
CORNER_ROUND = 0.16  # corner shift inwards at mouth_width = -1 ("OO")
CORNER_PULL_IN = 0.10  # corners come in as the jaw opens, per unit of added gap
TUCK_RAISE = 0.08  # lower-lip rise for F/V at full tuck
LIP_RAISE = 0.10  # upper-lip lift at upper_lip_raise = 1 (MotionPlan's definition)
RAISE_SHARES = {61: 0.7, 62: 1.0, 63: 0.7}  # the lip's centre lifts most; the teeth stay
ROUND_GAP_CLOSE = 0.15  # full rounding makes the opening 15% lower (the corners come in by
# mouth_width); its sides keep their share, already about a circle's
ROUND_THICKEN = 0.045  # full rounding pushes each lip's outline out by this (lips protrude)
ROUND_OPENING_NARROW = 0.15  # full rounding draws the inner lip line this much closer to the
# mouth's centre than the outline (the corners' own pull is mouth_width's): a rounder hole
# in pursed lips. More shears the lips' texture at the corners into a visible kink.
PUCKER_SHARES = {49: -0.6, 50: -1.0, 51: -1.0, 52: -1.0, 53: -0.6,  # upper outline goes up
                 55: 0.6, 56: 1.0, 57: 1.0, 58: 1.0, 59: 0.6}  # lower outline goes down

# Brows (MotionPlan.brow_raise): 1 lifts them by BROW_LIFT inter-ocular distances, the middle of
# each brow most; the forehead's control points take FOREHEAD_FOLLOW of it, so the skin above
# the brows moves with them and the hairline does not. Knitting (brow_raise < 0) lowers them and
# draws the inner ends together by up to KNIT_IN.
BROW_LIFT = 0.1
BROW_SHARES = {17: 0.6, 18: 0.85, 19: 1.0, 20: 1.0, 21: 0.9,
               22: 0.9, 23: 1.0, 24: 1.0, 25: 0.85, 26: 0.6}
KNIT_IN = {21: 0.05, 20: 0.025, 22: 0.05, 23: 0.025}  # IOD at brow_raise = -1
FOREHEAD_FOLLOW = 0.45

# Gaze (MotionPlan.gaze_x, gaze_y, in eye widths): per eye a point at the centre of the
# opening and one on each side of it, IRIS_SIDE eye widths away (just beyond the iris, whose
# radius is about a fifth of the eye's width), move together, so the iris, pupil and catch
# lights shift as one piece and the white of the eye stretches or squeezes beside them. The
# lids follow a vertical glance by LID_FOLLOW of it.
IRIS_SIDE = 0.24
EYES = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47))
IRIS_POINTS = (74, 75, 76, 77, 78, 79)  # right eye centre, sides; left eye centre, sides
LID_FOLLOW = 0.35
LIDS = (37, 38, 40, 41, 43, 44, 46, 47)

# Generic head shape for the 3D rotation, in inter-ocular distances (IOD).
HEAD_CENTER_BELOW_EYES = 0.55
HEAD_HALF_WIDTH = 1.25
HEAD_HALF_HEIGHT = 1.7
HEAD_DEPTH = 1.0  # face surface height over the cheek plane at its centre
NOSE_TIP_DEPTH = 0.45
PIVOT_DEPTH = -1.1  # rotation centre lies behind the face, inside the head
PIVOT_BELOW_EYES = 0.9
# Rings of control points around the head (scale of a 1.6 x 2.05 IOD ellipse about the head
# centre), with the share of head motion at their top and bottom: the hair outline follows
# the head, the neck less; the last ring holds still (points outside the region are dropped;
# the region's border anchors hold still too).
HEAD_RINGS = ((1.0, 0.85, 0.4), (1.3, 0.3, 0.1), (1.6, 0.0, 0.0))
EDGE_FALLOFF_IOD = 1.0  # hair and neck points lose head motion within this of the region edge
FACE_EDGE_FALLOFF_IOD = 0.3  # the face itself only when it nearly touches the edge: it must turn
# as one piece

# Inner lips: columns of (upper, lower) points, with how much of the central
# opening each column gets (corners open less than the middle).
INNER_COLUMNS = ((61, 67, 0.95), (62, 66, 1.0), (63, 65, 0.95))
# Teeth edges: for each column, a point where the upper teeth end and one where
# the lower teeth end. At rest both sit midway between the inner lips (on the
# lip line of a closed mouth, between the teeth of an open one). When the mouth
# opens they ride with their lip, so the portrait's own teeth stay rigid and the
# new gap opens between them; when it closes they squeeze together.
TEETH_SPLIT = 0.85  # share of an open mouth's gap, from the upper lip, where the portrait's
# upper teeth end: a smile's teeth fill the gap, so the new opening starts at their tips
UPPER_TEETH_EDGE = (68, 69, 70)
LOWER_TEETH_EDGE = (71, 72, 73)
# Mouth sides: on each inner lip line and teeth edge, a point halfway (along the mouth) between
# each corner and the first column, on the line's smooth curve: (point, corner, column point).
# A wide-open mouth is round at its sides: these points keep SIDE_ROUNDING of their column's
# motion, against the half a straight line from the corner would give, so the opening is an
# oval rather than a kite whose corners a viewer (and a landmark detector) reads as lips.
INNER_LIP_SIDES = ((80, 60, 61), (81, 64, 63), (82, 60, 67), (83, 64, 65))
TEETH_EDGE_SIDES = ((84, 60, 68), (85, 64, 70), (86, 60, 71), (87, 64, 73))
MOUTH_SIDES = INNER_LIP_SIDES + TEETH_EDGE_SIDES
SIDE_ROUNDING = 0.85
# The mouth as nested rings, each split into an upper and a lower chain from
# corner to corner: outer lip line, inner lip line, teeth edges. The mesh
# stitches neighbouring chains with a fixed topology (see mesh.py), because in
# a closed mouth the inner chains coincide and no point-based triangulation
# could tell them apart.
MOUTH_CHAINS = (
    (48, 49, 50, 51, 52, 53, 54),  # outer upper lip line
    (60, 80, 61, 62, 63, 81, 64),  # inner upper lip line
    (60, 84, *UPPER_TEETH_EDGE, 85, 64),
    (60, 86, *LOWER_TEETH_EDGE, 87, 64),  # the band between these two is the opening
    (60, 82, 67, 66, 65, 83, 64),  # inner lower lip line
    (48, 59, 58, 57, 56, 55, 54),  # outer lower lip line
)
OPENING_BAND = 2  # index of the band (chain pair) that is the mouth opening
# The opening: a hole in the mesh, painted by mouth.py. The upper teeth edge from corner to
# corner, then the lower one back.
MOUTH_HOLE = (*MOUTH_CHAINS[OPENING_BAND], *MOUTH_CHAINS[OPENING_BAND + 1][-2:0:-1])
# Outer lip points follow an inner point with a share of its motion.
OUTER_FOLLOW = {49: (61, 0.7), 50: (61, 1.0), 51: (62, 1.0), 52: (63, 1.0), 53: (63, 0.7),
                59: (67, 0.75), 58: (67, 1.0), 57: (66, 1.0), 56: (65, 1.0), 55: (65, 0.75)}
# Jaw contour and chin follow the jaw drop (the lower lip's centre) with these shares.
JAW_FOLLOW = {8: 0.95, 7: 0.9, 9: 0.9, 6: 0.75, 10: 0.75, 5: 0.5, 11: 0.5, 4: 0.25, 12: 0.25,
              3: 0.08, 13: 0.08}
CORNERS = (48, 60, 54, 64)
CORNER_JAW_SHARE = 0.2  # the corners drop this share of the jaw (0.35 tented the upper lip)


@dataclass(frozen=True)
class FramePose:
    """One frame's motion values (a row of the MotionPlan)."""

    jaw_open: float = 0.0
    mouth_width: float = 0.0
    lips_closed: float = 0.0
    lower_lip_tuck: float = 0.0
    lip_round: float = 0.0
    upper_lip_raise: float = 0.0
    blink: float = 0.0
    brow_raise: float = 0.0
    gaze_x: float = 0.0
    gaze_y: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    shift_x: float = 0.0
    shift_y: float = 0.0


@dataclass(frozen=True)
class Rig:
    """Rest control points of one portrait and what each of them follows."""

    rest: np.ndarray  # (n, 2) control points in region pixels; the first 68 are the landmarks
    head_weight: np.ndarray  # (n,) how much of the head motion each point takes
    jaw_weight: np.ndarray  # (n,) share of the jaw drop for the extra points (cheeks, under chin)
    brow_weight: np.ndarray  # (n,) share of the brows' lift (brows and forehead)
    depth: np.ndarray  # (n,) generic head depth, pixels towards the camera
    origin: np.ndarray  # eye midpoint, pixels
    u: np.ndarray  # unit vector along the eye line
    v: np.ndarray  # unit vector down the face
    iod: float
    mouth_width: float
    rest_gaps: np.ndarray  # (3,) inner-lip gap of each column at rest, pixels
    n_fixed: int  # the last n_fixed points are region-border anchors
    rests_closed: bool = False  # caught mid-word: the lips meet at rest (see PARTED_IOD)

    @property
    def mouth_is_open(self) -> bool:
        return bool(self.rest_gaps.max() > 0.06 * self.mouth_width)

    @property
    def resting_gaps(self) -> np.ndarray:
        """(3,) the inner-lip gaps the mouth rests at and opens from, pixels: none where it
        was caught mid-word, else `held_gaps`."""
        return np.zeros_like(self.rest_gaps) if self.rests_closed else self.held_gaps

    @property
    def held_gaps(self) -> np.ndarray:
        """(3,) the portrait's own inner-lip gaps, pixels, at most HELD_GAP_IOD open (then
        all in proportion): where an open mouth rests, or for one caught mid-word, how near
        its lips come before they shade each other (the seam's reference, `lip_closing`)."""
        widest, limit = float(self.rest_gaps.max()), HELD_GAP_IOD * self.iod
        return self.rest_gaps * (limit / widest) if widest > limit else self.rest_gaps


def build_rig(face: FaceGeometry, region_size: tuple[int, int],
              dark_opening: bool = False) -> Rig:
    """Control points for a face inside a region of `region_size` (width, height);
    `dark_opening`: the dark of the mouth shows between its lips (lips.opening_is_dark)."""
    pts = face.points.astype(np.float64)
    right_eye, left_eye = face.eye_centers
    origin = (right_eye + left_eye) / 2
    iod = face.interocular
    u = (left_eye - right_eye) / iod
    v = np.array([-u[1], u[0]])
    extra = _extra_points(pts, origin, u, v, iod)
    width, height = region_size
    margin = 0.04 * min(width, height)
    inside = ((extra.points[:, 0] > margin) & (extra.points[:, 0] < width - 1 - margin)
              & (extra.points[:, 1] > margin) & (extra.points[:, 1] < height - 1 - margin))
    inside[:20] = True  # the teeth edges, iris points and mouth sides keep their indices 68-87
    border = _border_anchors(width, height)
    rest = np.vstack([pts, extra.points[inside], border])
    still = np.zeros(len(border))
    head_weight = np.concatenate([np.ones(N_LANDMARKS), extra.head[inside], still])
    of_face = np.concatenate([np.ones(N_LANDMARKS, bool), extra.of_face[inside],
                              np.zeros(len(border), bool)])
    falloff = np.where(of_face, FACE_EDGE_FALLOFF_IOD, EDGE_FALLOFF_IOD) * iod
    head_weight = np.minimum(head_weight, _edge_cap(rest, width, height, falloff))
    jaw_weight = np.concatenate([np.zeros(N_LANDMARKS), extra.jaw[inside], still])
    landmark_brows = np.zeros(N_LANDMARKS)
    landmark_brows[list(BROW_SHARES)] = list(BROW_SHARES.values())
    brow_weight = np.concatenate([landmark_brows, extra.brow[inside], still])
    mouth_width = float(np.linalg.norm(pts[64] - pts[60])) or float(
        np.linalg.norm(pts[54] - pts[48]))
    rest_gaps = np.array([max(0.0, (pts[lo] - pts[up]) @ v) for up, lo, _ in INNER_COLUMNS])
    depth = _head_depth(rest, origin, u, v, iod)
    rests_closed = dark_opening and float(rest_gaps.max()) > PARTED_IOD * iod
    return Rig(rest, head_weight, jaw_weight, brow_weight, depth, origin, u, v, iod, mouth_width,
               rest_gaps, len(border), rests_closed)


@dataclass(frozen=True)
class _ExtraPoints:
    points: np.ndarray  # (k, 2)
    head: np.ndarray  # share of the head motion
    jaw: np.ndarray  # share of the jaw drop
    brow: np.ndarray  # share of the brows' lift
    of_face: np.ndarray  # part of the face, which turns as one piece


def _extra_points(pts: np.ndarray, origin: np.ndarray, u: np.ndarray, v: np.ndarray,
                  iod: float) -> _ExtraPoints:
    """Control points beyond the landmarks: teeth edges first (indices 68-73), iris points
    (74-79), mouth sides (80-87), then cheeks, forehead, under the chin, and rings round the
    head."""
    extra: list[tuple[np.ndarray, float, float, float, bool]] = []

    def at(a: float, b: float) -> np.ndarray:
        return origin + (a * u + b * v) * iod

    for _ in range(2):  # teeth edges (68-73), always kept: mouth.py paints between them
        for upper, lower, _share in INNER_COLUMNS:
            extra.append((pts[upper] + TEETH_SPLIT * (pts[lower] - pts[upper]), 1.0, 0.0, 0.0,
                          True))
    for eye in EYES:  # iris points (74-79), always kept
        centre = pts[list(eye)].mean(axis=0)
        side = IRIS_SIDE * (pts[eye[3]] - pts[eye[0]])
        for point in (centre, centre - side, centre + side):
            extra.append((point, 1.0, 0.0, 0.0, True))
    placed = np.vstack([pts, [point for point, *_ in extra]])  # landmarks, teeth edges, irises
    sides = {side for side, _, _ in MOUTH_SIDES}
    for _side, corner, column in MOUTH_SIDES:  # mouth sides (80-87), always kept
        chain = [k for k in next(c for c in MOUTH_CHAINS if column in c) if k not in sides]
        extra.append((_on_curve(placed[chain], placed[corner], placed[column], origin, u, v),
                      1.0, 0.0, 0.0, True))
    # Cheeks spread the jaw motion so that it does not fold at the jaw line.
    for (i, j), jaw in (((3, 48), 0.3), ((13, 54), 0.3), ((1, 31), 0.08), ((15, 35), 0.08)):
        extra.append((0.5 * (pts[i] + pts[j]), 1.0, jaw, 0.0, True))
    for a in (-0.8, -0.4, 0.0, 0.4, 0.8):  # forehead
        extra.append((at(a, -0.95), 1.0, 0.0, FOREHEAD_FOLLOW, True))
    # Under the chin: the neck skin stretches with an opening jaw.
    for k, share in ((5, 0.3), (6, 0.45), (8, 0.55), (10, 0.45), (11, 0.3)):
        extra.append((pts[k] + 0.35 * iod * v, 0.7, share, 0.0, False))
    # Hair and head outline, a softer ring, then a still one: head motion fades to zero
    # around the head, and what lies beyond the still ring (background) is not resampled.
    for ring_scale, top_w, bottom_w in HEAD_RINGS:
        for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
            a = np.cos(angle) * 1.6 * ring_scale
            b = HEAD_CENTER_BELOW_EYES - np.sin(angle) * 2.05 * ring_scale
            below = np.clip((b - HEAD_CENTER_BELOW_EYES) / (2.05 * ring_scale), 0, 1)
            extra.append((at(a, b), top_w + (bottom_w - top_w) * below, 0.0, 0.0, False))
    points, head, jaw, brow, of_face = zip(*extra, strict=True)
    return _ExtraPoints(np.array(points), np.array(head), np.array(jaw), np.array(brow),
                        np.array(of_face))


def _on_curve(chain: np.ndarray, corner: np.ndarray, column: np.ndarray, origin: np.ndarray,
              u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The point of the smooth curve through `chain` halfway along the mouth between
    `corner` and `column` (a point of the chain)."""
    along, down = (chain - origin) @ u, (chain - origin) @ v
    halfway = float((corner + column - 2 * origin) @ u) / 2
    height = float(spline(along, down, np.array([halfway]))[0])
    return origin + halfway * u + height * v


def _edge_cap(points: np.ndarray, width: int, height: int, falloff: np.ndarray) -> np.ndarray:
    """The most head motion a point may take: 0 on the region's edge, rising linearly to 1 at
    `falloff` pixels inside it.

    The still border and a moving point near it bound a band that the warp stretches or
    squeezes; capping the point's share of the motion by its distance caps that strain
    (about 12% for a typical turn), so no band and no seam shows at the region's edge.
    """
    distance = np.minimum.reduce([points[:, 0] + 0.5, width - 0.5 - points[:, 0],
                                  points[:, 1] + 0.5, height - 0.5 - points[:, 1]])
    return np.clip(distance / np.maximum(falloff, 1e-6), 0, 1)


def _border_anchors(width: int, height: int, per_side: int = 5) -> np.ndarray:
    """Fixed points on the region's edge: the mesh covers every pixel and the edge never moves."""
    xs = np.linspace(-0.5, width - 0.5, per_side)
    ys = np.linspace(-0.5, height - 0.5, per_side)
    top = np.column_stack([xs, np.full(per_side, -0.5)])
    bottom = np.column_stack([xs, np.full(per_side, height - 0.5)])
    left = np.column_stack([np.full(per_side - 2, -0.5), ys[1:-1]])
    right = np.column_stack([np.full(per_side - 2, width - 0.5), ys[1:-1]])
    return np.vstack([top, bottom, left, right])


def _head_depth(points: np.ndarray, origin: np.ndarray, u: np.ndarray, v: np.ndarray,
                iod: float) -> np.ndarray:
    """Depth of a generic ellipsoid head with a nose, for each control point (pixels)."""
    rel = points - origin
    a = (rel @ u) / (HEAD_HALF_WIDTH * iod)
    b = ((rel @ v) - HEAD_CENTER_BELOW_EYES * iod) / (HEAD_HALF_HEIGHT * iod)
    depth = HEAD_DEPTH * iod * np.sqrt(np.clip(1 - a**2 - b**2, 0.05, 1))
    nose = np.zeros(len(points))
    nose[27:31] = np.linspace(0.1, NOSE_TIP_DEPTH, 4)
    nose[31:36] = [0.2, 0.3, 0.35, 0.3, 0.2]
    return depth + nose * iod


def clamp_unit(value: float) -> float:
    """`value` limited to 0..1: for the scalars of one frame, where numpy.clip's call costs
    more than the arithmetic it guards."""
    return min(max(value, 0.0), 1.0)


def pose_points(rig: Rig, pose: FramePose) -> np.ndarray:
    """Where every control point is in this frame (region pixels)."""
    along, down = _expression_offsets(rig, pose)
    moved = rig.rest + np.outer(along, rig.u) + np.outer(down, rig.v)
    return moved + _head_offsets(rig, moved, pose)


def _expression_offsets(rig: Rig, pose: FramePose) -> tuple[np.ndarray, np.ndarray]:
    """Mouth, brow and gaze motion as offsets along u and v, in pixels (blinks are drawn by
    eyelids.py)."""
    n = len(rig.rest)
    along, down = np.zeros(n), np.zeros(n)
    width = rig.mouth_width
    open_gap = _jaw_gap(rig, pose)
    rounding = clamp_unit(pose.lip_round)
    for (upper, lower, _), rest_gap, target in zip(
            INNER_COLUMNS, rig.rest_gaps, _inner_gaps(rig, pose), strict=True):
        change = target - rest_gap
        lower_share = LOWER_LIP_SHARE if change > 0 else CLOSING_LOWER_SHARE
        down[lower] += change * lower_share
        down[upper] -= change * (1 - lower_share)
    tuck = clamp_unit(pose.lower_lip_tuck)
    for k in (65, 66, 67, 56, 57, 58):
        down[k] -= tuck * TUCK_RAISE * width
    for (_, lower, _), rest_gap in zip(INNER_COLUMNS, rig.rest_gaps, strict=True):
        down[lower] -= tuck * (1 - TEETH_SPLIT) * rest_gap  # up to the portrait's teeth tips
    lift = clamp_unit(pose.upper_lip_raise) * LIP_RAISE * width
    if not rig.mouth_is_open:  # the new gap opens under the lifted lip: teeth are painted
        _raise_upper_lip(down, lift)
    for point, (inner, share) in OUTER_FOLLOW.items():
        down[point] += share * down[inner]
    for point, share in PUCKER_SHARES.items():  # pushed-out lips look fuller
        down[point] += share * ROUND_THICKEN * width * rounding
    _teeth_edge_offsets(rig, down)
    if rig.mouth_is_open:  # the portrait's own teeth stay put and show more
        _raise_upper_lip(down, lift, with_outer=True)
    jaw_drop = down[66]
    for point, share in JAW_FOLLOW.items():
        down[point] += share * jaw_drop
    down += rig.jaw_weight * jaw_drop
    for k in CORNERS:
        down[k] += CORNER_JAW_SHARE * jaw_drop
    _mouth_width_offsets(rig, pose, open_gap, along)
    _pucker_offsets(rig, rounding, along)
    _side_offsets(along, down)
    _brow_offsets(rig, pose.brow_raise, along, down)
    _gaze_offsets(rig, pose.gaze_x, pose.gaze_y, along, down)
    return along, down


def _side_offsets(along: np.ndarray, down: np.ndarray) -> None:
    """Each mouth side follows its corner and column: halfway along the mouth, and
    SIDE_ROUNDING of the way down (or up) from the corner's motion to the column's."""
    for point, corner, column in MOUTH_SIDES:
        along[point] = (along[corner] + along[column]) / 2
        down[point] = down[corner] + SIDE_ROUNDING * (down[column] - down[corner])


def _brow_offsets(rig: Rig, raise_: float, along: np.ndarray, down: np.ndarray) -> None:
    """Lift the brows and the forehead skin above them, or knit them (raise_ < 0)."""
    down -= raise_ * BROW_LIFT * rig.iod * rig.brow_weight
    if raise_ < 0:
        for k, inward in KNIT_IN.items():
            towards_nose = -np.sign((rig.rest[k] - rig.origin) @ rig.u)
            along[k] += towards_nose * (-raise_) * inward * rig.iod


def _gaze_offsets(rig: Rig, gaze_x: float, gaze_y: float, along: np.ndarray,
                  down: np.ndarray) -> None:
    """Shift each eye's iris points by the gaze (eye widths); the lids follow a vertical one."""
    for eye, irises in zip(EYES, (IRIS_POINTS[:3], IRIS_POINTS[3:]), strict=True):
        width = float(np.linalg.norm(rig.rest[eye[3]] - rig.rest[eye[0]]))
        along[list(irises)] += gaze_x * width
        down[list(irises)] += gaze_y * width
        lids = [k for k in LIDS if k in eye]
        down[lids] += LID_FOLLOW * gaze_y * width


def _pucker_offsets(rig: Rig, rounding: float, along: np.ndarray) -> None:
    """Pursed lips: the inner lip line and the opening draw in towards the mouth's centre
    (along u, in proportion to their distance from it), more than the outline does.

    Not on a portrait whose mouth is open: its corners hold the dark of the mouth and the
    side teeth, which drawing in would smear along the lips.
    """
    if rig.mouth_is_open:
        return
    inner = np.r_[60:68, UPPER_TEETH_EDGE, LOWER_TEETH_EDGE]
    centre = (rig.rest[48] + rig.rest[54]) / 2
    along[inner] -= ROUND_OPENING_NARROW * rounding * ((rig.rest[inner] - centre) @ rig.u)


def _jaw_gap(rig: Rig, pose: FramePose) -> float:
    """The inner-lip gap the jaw adds in this pose, pixels."""
    return max(0.0, pose.jaw_open) * JAW_GAP_IOD * rig.iod


def _inner_gaps(rig: Rig, pose: FramePose) -> np.ndarray:
    """The inner-lip gap of each column in this pose, before the F/V tuck (pixels)."""
    open_gap = _jaw_gap(rig, pose)
    sealed = clamp_unit(pose.lips_closed)
    rounding = clamp_unit(pose.lip_round)
    shares = np.array([share for _, _, share in INNER_COLUMNS])
    target = (1 - sealed) * (rig.resting_gaps + open_gap * shares)
    return target * (1 - ROUND_GAP_CLOSE * rounding)  # rounded lips: a smaller opening


def lip_closing(rig: Rig, pose: FramePose, of_held: bool = False) -> np.ndarray:
    """Per inner-lip column, how much of the portrait's own open mouth this pose closes: 0 as
    in the portrait (or opened wider), 1 sealed; with `of_held`, how much of the held mouth
    (`Rig.held_gaps`: how near the lips come to meeting). All 0 where the portrait's lips
    touch or nearly do (`Rig.mouth_is_open`): their own dark line is the seam."""
    if not rig.mouth_is_open:
        return np.zeros(len(INNER_COLUMNS))
    gaps = rig.held_gaps if of_held else rig.rest_gaps
    closed = 1 - _inner_gaps(rig, pose) / np.maximum(gaps, 1e-6)
    return np.where(gaps > 0, np.clip(closed, 0, 1), 0.0)


def source_points(rig: Rig, pose: FramePose) -> np.ndarray:
    """Where each control point samples the portrait in this frame: its rest position, except
    the inner lip line of an open portrait mouth as it closes.

    The inner edge of a smiling lip is a pixel-thin fringe lit by the teeth behind it, and
    resampling near it reaches into the teeth: lips brought together edge to edge show a
    bright line where they meet. Lips pressed together roll in, so as the gap closes each
    inner lip point samples from up to `SEAL_INSET` of the mouth width (or `SEAL_INSET_LIP` of
    the lip's thickness, if less) inside its lip: the seam is lip against lip. The mouth's
    sides take half their column's inset, and the corners none.
    """
    sources = rig.rest.copy()
    for (upper, lower, _), outer_up, outer_lo, rest_gap, shut in zip(
            INNER_COLUMNS, (50, 51, 52), (58, 57, 56), rig.rest_gaps, lip_closing(rig, pose),
            strict=True):
        if rest_gap <= 0 or shut <= 0:
            continue
        for inner, outer in ((upper, outer_up), (lower, outer_lo)):
            thickness = abs(float((rig.rest[outer] - rig.rest[inner]) @ rig.v))
            inset = min(SEAL_INSET * rig.mouth_width, SEAL_INSET_LIP * thickness, rest_gap)
            sources[inner] += np.sign((rig.rest[outer] - rig.rest[inner]) @ rig.v) * (
                shut * inset) * rig.v
    for side, _corner, column in INNER_LIP_SIDES:  # half their column's (the corners stay)
        sources[side] += (sources[column] - rig.rest[column]) / 2
    return sources


def _raise_upper_lip(down: np.ndarray, lift: float, with_outer: bool = False) -> None:
    """Lift the upper lip's centre by `lift` pixels (and its outline, when the outline no
    longer follows the inner lip by itself)."""
    for k, share in RAISE_SHARES.items():
        down[k] -= lift * share
    if with_outer:
        for point, (inner, share) in OUTER_FOLLOW.items():
            if inner in RAISE_SHARES:
                down[point] -= share * lift * RAISE_SHARES[inner]


def _teeth_edge_offsets(rig: Rig, down: np.ndarray) -> None:
    """Teeth edges ride with their lip while the mouth opens, and squeeze together as it closes.

    With s = (new lip gap / rest lip gap), capped at 1, each edge keeps s times
    its rest distance from its own lip: rigid teeth when opening, teeth hidden
    behind the lips when sealing.
    """
    for (upper, lower, _), top_edge, bottom_edge, rest_gap in zip(
            INNER_COLUMNS, UPPER_TEETH_EDGE, LOWER_TEETH_EDGE, rig.rest_gaps, strict=True):
        new_gap = rest_gap + down[lower] - down[upper]
        squeeze = 1.0 if rest_gap <= 1e-6 else min(1.0, max(new_gap, 0.0) / rest_gap)
        down[top_edge] = down[upper] + TEETH_SPLIT * rest_gap * (squeeze - 1)
        down[bottom_edge] = down[lower] - (1 - TEETH_SPLIT) * rest_gap * (squeeze - 1)


def _mouth_width_offsets(rig: Rig, pose: FramePose, open_gap: float, along: np.ndarray) -> None:
    """Stretch (EE) or round (OO) the mouth: lip points slide along u in proportion to position."""
    width = rig.mouth_width
    w = min(max(pose.mouth_width, -1.0), 1.0)
    per_side = (CORNER_STRETCH if w > 0 else CORNER_ROUND) * w * width - CORNER_PULL_IN * open_gap
    lips = np.r_[48:68, UPPER_TEETH_EDGE, LOWER_TEETH_EDGE]
    centre = (rig.rest[48] + rig.rest[54]) / 2
    position = ((rig.rest[lips] - centre) @ rig.u) / (width / 2)
    along[lips] += per_side * np.clip(position, -1, 1)


def _head_offsets(rig: Rig, points: np.ndarray, pose: FramePose) -> np.ndarray:
    """Rotate the generic 3D head about a pivot inside it, project, and weight by head_weight."""
    rel = points - rig.origin
    a, b = rel @ rig.u, rel @ rig.v
    pivot = np.array([0.0, PIVOT_BELOW_EYES * rig.iod, PIVOT_DEPTH * rig.iod])
    xyz = np.column_stack([a, b, rig.depth]) - pivot
    turned = xyz @ _rotation(pose.yaw, pose.pitch, pose.roll).T
    shift = np.array([pose.shift_x, pose.shift_y]) * rig.iod
    delta_a = turned[:, 0] - xyz[:, 0] + shift[0]
    delta_b = turned[:, 1] - xyz[:, 1] + shift[1]
    weight = rig.head_weight
    return np.outer(weight * delta_a, rig.u) + np.outer(weight * delta_b, rig.v)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in face axes (a right, b down, depth towards the camera)."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    about_b = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])  # yaw: turn left/right
    about_a = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])  # pitch: nod
    about_depth = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])  # roll: tilt
    return about_depth @ about_a @ about_b
