import numpy as np

from talkinghead.engines.warp.mouth import (
    MouthPalette,
    Opening,
    draw_lip_seam,
    paint_interior,
    palette_from,
    sclera_colour,
)

U, V = np.array([1.0, 0.0]), np.array([0.0, 1.0])


def opening(gap: float) -> Opening:
    """A 60 px wide mouth centred at (50, 50), open by `gap` px in the middle."""
    xs = np.array([20.0, 35, 50, 65, 80])
    sag = np.array([0, 0.8, 1, 0.8, 0]) * gap
    upper = np.column_stack([xs, 50 - 0.35 * sag])
    lower = np.column_stack([xs, 50 + 0.65 * sag])
    return Opening(upper, lower, U, V)


PALETTE = MouthPalette(lips=np.array([170.0, 90, 90]), teeth=np.array([230.0, 222, 205]),
                       tongue=np.array([160.0, 60, 60]), grain=0.0)


def painted(gap: float, teeth: float = 1.0, with_teeth: bool = True, palette=PALETTE,
            tongue: float = 0.0):
    image = np.full((100, 100, 3), 200, np.uint8)
    paint_interior(image, opening(gap), palette, 60.0, 1.0, teeth, tongue, with_teeth)
    return image


def test_paints_only_inside_the_opening():
    image = painted(20)
    changed = np.abs(image.astype(int) - 200).max(axis=2) > 3
    assert changed[50, 50] and changed[55, 40]
    assert not changed[:40].any() and not changed[66:].any()  # above and below the lips
    assert not changed[:, :19].any() and not changed[:, 82:].any()  # beyond the corners


def test_upper_teeth_are_bright_under_the_upper_lip_and_the_cavity_dark_below():
    image = painted(24).astype(float)
    teeth, cavity = image[44:46, 48:53].mean(), image[58:61, 48:53].mean()
    assert teeth > 150 and cavity < 80


def test_teeth_are_opaque_and_a_sound_that_shows_less_of_them_shows_them_shorter():
    """Teeth are never see-through: grey teeth over the dark cavity read to the eye (and to
    dlib) as part of the lip, not as teeth. How much of them a sound shows is their height."""
    few, many = painted(24, teeth=0.0).astype(float), painted(24, teeth=1.0).astype(float)
    tips = slice(43, 46), slice(48, 53)  # just under the upper edge (y 41.6 in the middle)
    assert few[tips].mean() > 180 and many[tips].mean() > 180  # see-through: about 125
    lower_rows = slice(47, 48), slice(48, 53)  # below a short tooth, inside a long one
    assert many[lower_rows].mean() > few[lower_rows].mean() + 60


def test_a_wide_jaw_shows_the_lower_teeth_in_front_of_the_tongue():
    teeth = painted(40, teeth=0.5)[74:76, 48:53].astype(float)  # lower lip at y 76
    assert teeth.mean() > 130  # the tongue there would be dark red
    assert (teeth[..., 0] - teeth[..., 2]).mean() < 30


def test_a_wide_jaw_shows_a_lit_tongue_above_the_lower_teeth_whatever_the_sound():
    """A wide mouth is not a dark bowl: the tongue fills its lower part, lit."""
    tongue = painted(40, teeth=0.5)[68:71, 45:56].astype(float)  # lower lip at y 76
    cavity = painted(40, teeth=0.5)[44:47, 45:56].astype(float)  # under the upper teeth
    assert tongue[..., 0].mean() > 100 and tongue[..., 0].mean() > 2 * cavity[..., 0].mean()
    assert (tongue[..., 0] - tongue[..., 2]).mean() > 50  # red, not teeth


def test_a_dental_shows_the_tongue_tip_under_the_upper_teeth():
    """"th": the jaw barely open, teeth nearly filling the gap, the tongue between them."""
    image = painted(7, teeth=0.7, tongue=1.0).astype(float)  # lips at y 47.5 and 54.5
    teeth, tip = image[49:51, 48:53], image[53, 48:53]
    assert teeth.mean() > 180
    assert (tip[..., 0] - tip[..., 2]).mean() > 40  # red: teeth there would be near white


def test_an_open_source_mouth_gets_no_painted_teeth():
    image = painted(24, with_teeth=False).astype(float)
    assert image[44:46, 48:53].mean() < 100


def test_teeth_have_gaps_between_them():
    row = painted(24).astype(float)[45, 30:71].mean(axis=1)
    assert row.max() - row.min() > 15  # darker seams between incisors, not one white band


def test_grain_matches_the_source_level():
    grainy = MouthPalette(PALETTE.lips, PALETTE.teeth, PALETTE.tongue, grain=6.0)
    flat, noisy = painted(24).astype(float), painted(24, palette=grainy).astype(float)
    difference = (noisy - flat)[52:60, 40:60]
    assert 3 < difference.std() < 9


def test_closed_mouth_paints_nothing():
    image = np.full((100, 100, 3), 200, np.uint8)
    paint_interior(image, opening(20), PALETTE, 60.0, 0.0, 1.0, 0.0)
    assert (image == 200).all()


def test_teeth_colour_follows_the_eye_whites(sample_face):
    """Teeth take part of their colour from the whites of the eyes (same light, same white
    balance); eyes too dark to be whites are ignored."""
    import cv2

    points = sample_face.points

    def portrait(eye_colour):
        image = np.full((300, 300, 3), (190, 150, 130), np.uint8)  # skin
        for eye in (points[36:42], points[42:48]):
            cv2.fillPoly(image, [np.round(eye).astype(np.int32)], eye_colour)
        return image

    bluish = palette_from(portrait((200, 215, 250)), points).teeth
    neutral = palette_from(portrait((60, 40, 30)), points).teeth  # iris only: no whites
    assert sclera_colour(portrait((60, 40, 30)), points) is not None  # found, but too dark
    assert bluish[2] - bluish[0] > neutral[2] - neutral[0] + 10


def seam_drawn(gap: float, strength: float) -> np.ndarray:
    image = np.full((100, 100, 3), 180, np.uint8)
    shape = opening(gap)
    draw_lip_seam(image, shape.upper, shape.lower, U, V, 60.0, strength)
    return image.astype(float)


def test_lip_seam_darkens_the_line_where_the_lips_meet_and_nothing_else():
    image = seam_drawn(0.0, 1.0)
    assert image[50, 50].mean() < 180 * 0.8  # on the line
    assert image[50, 25].mean() < image[50, 50].mean()  # deeper towards the corners
    assert (image[:46] == 180).all() and (image[55:] == 180).all()  # lips above and below
    assert (image[:, :19] == 180).all() and (image[:, 82:] == 180).all()  # beyond the corners


def test_lip_seam_shades_what_is_left_of_a_closing_gap():
    """The squeezed teeth of an almost closed smile fall into the lips' shade."""
    image = seam_drawn(4.0, 1.0)
    assert image[49:53, 50].max() < 180 * 0.8


def test_lip_seam_at_zero_strength_draws_nothing():
    assert (seam_drawn(0.0, 0.0) == 180).all()


def test_a_steep_side_of_the_opening_is_anti_aliased_across_it():
    """Near the corners of a round opening the edge runs nearly down the face; a pixel it
    crosses is partly covered, as by the distance across the edge (a vertical distance
    would cover it nearly whole: a staircase)."""
    xs = np.array([20.0, 24, 35, 50, 65, 76, 80])
    sag = np.array([0, 0.75, 0.95, 1, 0.95, 0.75, 0]) * 40
    steep = Opening(np.column_stack([xs, 50 - 0.35 * sag]),
                    np.column_stack([xs, 50 + 0.65 * sag]), U, V)
    image = np.full((100, 100, 3), 200, np.uint8)
    paint_interior(image, steep, PALETTE, 60.0, 1.0, 0.0, 0.0)
    row = image[60, 15:30].astype(float).mean(axis=1)  # across the lower edge's steep side
    edge = row[(row < 199) & (row > 30)]
    assert len(edge) == 1 and 70 < edge[0] < 150, row
