import numpy as np

from talkinghead.engines.warp.lips import refine_inner_lips
from talkinghead.face.landmarks import FaceGeometry

SKIN, LIP, TEETH, CREASE = (225, 190, 170), (200, 80, 90), (215, 205, 195), (90, 40, 45)


def mouth(between) -> tuple[np.ndarray, FaceGeometry]:
    """A 100 px mouth: upper lip rows 30-49, lower lip rows 51-70, `between` in rows 40-50
    of the upper lip's inner part and row 50 (teeth the detector took for lip, or a crease).
    The landmarks' inner line lies on row 50 (lips touching, by the landmarks)."""
    image = np.full((100, 140, 3), SKIN, np.uint8)
    image[30:71, 20:120] = LIP
    image[40:51, 40:100] = between
    points = np.zeros((68, 2))
    xs = np.linspace(20, 120, 7)
    points[48:55] = np.column_stack([xs, np.full(7, 30.0)])  # outer upper, corner to corner
    points[54:60] = np.column_stack([xs[::-1][:6], np.full(6, 70.0)])  # outer lower
    points[48, 1] = points[54, 1] = 50
    points[60:65] = np.column_stack([np.linspace(20, 120, 5), np.full(5, 50.0)])  # inner upper
    points[65:68] = np.column_stack([np.linspace(95, 45, 3), np.full(3, 50.0)])  # inner lower
    points[[61, 62, 63], 0] = points[[67, 66, 65], 0] = (45, 70, 95)
    points[[50, 51, 52], 0] = points[[58, 57, 56], 0] = (45, 70, 95)
    return image, FaceGeometry(points=points, box=(0, 0, 140, 100))


def test_inner_lip_points_on_teeth_move_up_to_the_lip_edge():
    image, face = mouth(TEETH)
    refined = refine_inner_lips(image, face)
    for k in (61, 62, 63):
        assert 38 <= refined.points[k, 1] <= 41.5, refined.points[k]
    np.testing.assert_array_equal(refined.points[[60, 64]], face.points[[60, 64]])
    shift = refined.points[[65, 66, 67]] - face.points[[65, 66, 67]]
    assert (shift[:, 1] >= 0).all() and (shift[:, 1] <= 1.5).all()  # off the teeth's last row


def test_closed_lips_with_a_dark_crease_keep_their_landmarks():
    image, face = mouth(CREASE)
    assert refine_inner_lips(image, face) is face


def parted(between) -> tuple[np.ndarray, FaceGeometry]:
    """The mouth above with its inner lips drawn apart around the band in rows 40-50."""
    image, face = mouth(between)
    points = face.points.copy()
    points[[61, 62, 63], 1] = 40
    return image, FaceGeometry(points=points, box=face.box)


def test_a_mouth_parted_over_its_teeth_shows_its_own_teeth():
    from talkinghead.engines.warp.lips import shows_teeth

    assert shows_teeth(*parted(TEETH))


def test_lips_parted_over_a_dark_gap_show_no_teeth():
    """The renderer paints teeth into such a mouth as it opens (sad.png)."""
    from talkinghead.engines.warp.lips import shows_teeth

    assert not shows_teeth(*parted(CREASE))


def test_a_mouth_parted_over_the_dark_of_the_mouth_is_dark_and_one_over_teeth_is_not():
    """The rig rests a mouth caught mid-word closed (rig.PARTED_IOD); a smile's teeth rest
    as they are."""
    from talkinghead.engines.warp.lips import opening_is_dark

    assert opening_is_dark(*parted(CREASE))
    assert not opening_is_dark(*parted(TEETH))
    assert not opening_is_dark(*mouth(CREASE))  # lips that touch have no opening to judge
