"""Page image cleaning: skew, turns, contrast, blank pages (pure functions, no OCR)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from postbakke.reading import marks, preprocess

DPI = 200
WIDTH, HEIGHT = 1654, 2339  # A4 at 200 dpi


def px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def letter_page() -> np.ndarray:
    """A letter-like page: bold letterhead and rule, recipient block, info column, body."""
    page = np.full((HEIGHT, WIDTH), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX

    def text(x_mm: float, y_mm: float, s: str, scale: float = 0.9, thickness: int = 2):
        cv2.putText(page, s, (px(x_mm), px(y_mm)), font, scale, 0, thickness, cv2.LINE_AA)

    text(20, 18, "Favrskov Kommune", 1.6, 4)
    cv2.line(page, (px(20), px(29)), (px(190), px(29)), 0, 2)
    for i, line in enumerate(["Birgitte Ostergaard", "Sondergade 17, 2. tv.", "8600 Silkeborg"]):
        text(22, 55 + 5.5 * i, line)
    for i, line in enumerate(["Dato: 12. marts 2026", "CPR-nr.: 010203-1234", "Sagsnr.: 27.12"]):
        text(128, 52 + 4.8 * i, line, 0.7)
    text(20, 100, "Afgorelse om hjaelp til tandbehandling", 1.0, 3)
    for i in range(12):
        text(20, 112 + 5.5 * i, "Kommunen har modtaget din ansogning om hjaelp til behandling.")
    return page


def tilt(page: np.ndarray, angle_deg: float) -> np.ndarray:
    """Turn counter-clockwise by angle_deg (lines rising to the right for angle > 0)."""
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle_deg, 1.0)
    return cv2.warpAffine(page, matrix, (WIDTH, HEIGHT), borderValue=255)


def noisy(page: np.ndarray, sigma: float = 10.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = page.astype(np.float32) * 0.94 + 6 + rng.normal(0, sigma, page.shape)
    out[rng.random(page.shape) < 0.0005] = 20  # specks
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return letter_page()


@pytest.mark.parametrize("angle", [-4.5, -2.0, -0.6, 0.0, 0.3, 1.0, 2.0, 3.3, 4.8])
def test_skew_is_measured_within_a_third_of_a_degree(page, angle):
    measured = preprocess.estimate_skew(noisy(tilt(page, angle), seed=int(abs(angle) * 10)))
    assert measured == pytest.approx(angle, abs=0.3), f"drawn at {angle}, measured {measured}"


def test_skew_sign_is_counter_clockwise_positive(page):
    assert preprocess.estimate_skew(tilt(page, 2.0)) > 1.5
    assert preprocess.estimate_skew(tilt(page, -2.0)) < -1.5


def with_dark_scanner_edges(page: np.ndarray) -> np.ndarray:
    """A sheet fed off-centre on a black lid: dark bands along the top and left, level."""
    out = page.copy()
    out[: px(6), :] = 40
    out[:, : px(4)] = 40
    return out


@pytest.mark.parametrize("angle", [-2.5, 1.8, 2.9])
def test_skew_is_measured_on_the_text_not_the_scanner_edges(page, angle):
    measured = preprocess.estimate_skew(noisy(with_dark_scanner_edges(tilt(page, angle))))
    assert measured == pytest.approx(angle, abs=0.15)


def test_deskewed_page_measures_level(page):
    straight, skew = preprocess.deskew(noisy(tilt(page, 2.5)))
    assert skew == pytest.approx(2.5, abs=0.3)
    assert preprocess.estimate_skew(straight) == pytest.approx(0.0, abs=0.15)


def test_empty_page_has_no_skew():
    assert preprocess.estimate_skew(np.full((HEIGHT, WIDTH), 250, np.uint8)) == 0.0


def test_skew_under_uneven_light_is_still_found(page):
    shade = np.linspace(0.6, 1.0, WIDTH, dtype=np.float32)[None, :]
    dim = (tilt(page, -1.7).astype(np.float32) * shade).astype(np.uint8)
    assert preprocess.estimate_skew(noisy(dim)) == pytest.approx(-1.7, abs=0.3)


def test_a_shadow_is_not_taken_for_the_scanner_lid_but_a_lid_band_in_it_is(page):
    """Uneven light darkens the left half gradually; the lid's band at the top and left is a
    sharp dark step. Only the band is painted out, and the skew is found."""
    shade = np.linspace(0.6, 1.0, WIDTH, dtype=np.float32)[None, :]
    dim = (tilt(page, -1.7).astype(np.float32) * shade).astype(np.uint8)
    scanned = noisy(with_dark_scanner_edges(dim))
    painted = preprocess.scanner_edges(scanned, DPI)
    band = np.zeros(painted.shape, bool)
    band[: px(6), :] = band[:, : px(4)] = True
    assert painted[band].mean() > 0.99, "the lid's band is painted out"
    shadowed_paper = np.zeros(painted.shape, bool)
    shadowed_paper[px(15) : -px(15), px(15) : WIDTH // 2] = True
    assert not painted[shadowed_paper].any(), "the shadowed half is left alone"
    assert painted.mean() < 0.08
    assert not preprocess.scanner_edges(noisy(dim), DPI).any(), "a shadow alone is no lid"
    assert preprocess.estimate_skew(scanned) == pytest.approx(-1.7, abs=0.15)


@pytest.mark.parametrize("width", [WIDTH, WIDTH + 1, 2481])
def test_a_page_turned_half_round_scores_exactly_the_opposite_ascender_balance(page, width):
    clean = preprocess.clean_page(noisy(tilt(page, 1.0)), DPI).image
    wide = np.full((HEIGHT, width), 255, np.uint8)
    wide[:, :WIDTH] = clean
    upright, lines = preprocess.ascender_balance(wide, DPI)
    turned, turned_lines = preprocess.ascender_balance(preprocess.turn(wide, 180), DPI)
    assert lines == turned_lines >= preprocess.UPSIDE_DOWN_MIN_LINES
    assert upright > preprocess.UPSIDE_DOWN_BALANCE
    assert turned == pytest.approx(-upright, abs=1e-12)


def test_turn_is_clockwise_in_quarter_turns():
    image = np.zeros((2, 3), np.uint8)
    image[0, 0] = 255  # top-left
    assert preprocess.turn(image, 90)[0, -1] == 255  # now top-right
    assert preprocess.turn(image, 180)[-1, -1] == 255
    assert preprocess.turn(image, 270)[-1, 0] == 255
    assert preprocess.turn(image, 360) is image


def test_resize_to_dpi_scales_the_page():
    image = np.full((3508, 2481), 255, np.uint8)  # A4 at 300 dpi
    assert preprocess.resize_to_dpi(image, 300, 200).shape == (2339, 1654)
    assert preprocess.resize_to_dpi(image, 300, 300) is image


def test_contrast_normalisation_whitens_shaded_paper_and_keeps_ink(page):
    shade = np.linspace(0.55, 1.0, WIDTH, dtype=np.float32)[None, :]
    shaded = (page.astype(np.float32) * shade).astype(np.uint8)
    flat = preprocess.normalise_contrast(shaded, DPI)
    paper, ink = flat[page == 255], flat[page == 0]
    assert np.percentile(paper, 5) > 230, "the dim side of the paper should come out white"
    assert np.median(ink) < 60


def test_clean_page_is_straight_grey_with_white_paper(page):
    clean = preprocess.clean_page(noisy(tilt(page, 1.5)), DPI)
    assert clean.skew_deg == pytest.approx(1.5, abs=0.3)
    assert clean.image.shape == page.shape
    assert np.median(clean.image) == 255  # the paper's noise is gone
    assert abs(preprocess.estimate_skew(clean.image)) < 0.15


def test_faint_copy_with_dark_scanner_edges_comes_out_as_dark_print_on_white(page):
    scanned = noisy(with_dark_scanner_edges(faint_copy(tilt(page, 2.0))), sigma=12, seed=4)
    clean = preprocess.clean_page(scanned, DPI)
    assert clean.skew_deg == pytest.approx(2.0, abs=0.15)
    edges = clean.image[: px(5), px(60) : px(150)]
    assert np.median(edges) == 255, "the scanner lid's band is painted white"
    print_pixels = clean.image[cv2.erode((page < 64).astype(np.uint8), np.ones((2, 2))) > 0]
    assert np.median(print_pixels) < 60, "faint print is made dark"


def test_upside_down_page_is_told_from_an_upright_one_by_its_ascenders(page):
    upright = preprocess.clean_page(noisy(tilt(page, 1.0)), DPI).image
    assert not preprocess.looks_upside_down(upright, DPI)
    assert preprocess.looks_upside_down(preprocess.turn(upright, 180), DPI)


def test_a_page_with_too_few_lines_is_not_judged_upside_down():
    few = with_text("Side 2 af 2", 160, 285)(blank())
    assert not preprocess.looks_upside_down(preprocess.turn(few, 180), DPI)


# --- blank pages ------------------------------------------------------------------------------


def blank(sigma: float = 10.0, seed: int = 0) -> np.ndarray:
    return noisy(np.full((HEIGHT, WIDTH), 255, np.uint8), sigma, seed)


def with_dust(image: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(1)
    for _ in range(25):
        x, y = int(rng.integers(200, WIDTH - 200)), int(rng.integers(200, HEIGHT - 200))
        cv2.circle(image, (x, y), int(rng.integers(1, 3)), 40, -1)
    cv2.line(image, (500, 900), (520, 1000), 70, 1)  # a hair
    return image


def with_punch_holes(image: np.ndarray) -> np.ndarray:
    for y_mm in (100, 180):
        cv2.circle(image, (px(12), px(y_mm)), px(3), 25, -1)
    return image


def with_scanner_edges(image: np.ndarray) -> np.ndarray:
    image[:, : px(3)] = 35
    image[: px(4), :] = 50
    return image


def with_show_through(image: np.ndarray) -> np.ndarray:
    """The other side's text seen through the paper: light grey, mirrored."""
    reverse = cv2.flip(letter_page(), 1)
    return np.minimum(image, np.where(reverse < 128, 205, 255).astype(np.uint8))


def with_shading(image: np.ndarray) -> np.ndarray:
    shade = np.linspace(0.6, 1.0, WIDTH, dtype=np.float32)[None, :]
    return (image.astype(np.float32) * shade).astype(np.uint8)


def with_text(s: str, x_mm: float = 30, y_mm: float = 60):
    def draw(image: np.ndarray) -> np.ndarray:
        cv2.putText(image, s, (px(x_mm), px(y_mm)), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
        return image

    return draw


BLANK = {
    "light noise": blank(5),
    "heavy noise": blank(25, seed=2),
    "dust and a hair": with_dust(blank()),
    "punch holes": with_punch_holes(blank()),
    "scanner edges": with_scanner_edges(blank()),
    "show-through": with_show_through(blank()),
    "uneven light": with_shading(blank()),
}
def faint_copy(page: np.ndarray) -> np.ndarray:
    """Grey print on grey paper, blurred: the ink ends up only ~30 % darker than the paper."""
    grey = np.where(page < 128, 140, 205).astype(np.uint8)
    return cv2.GaussianBlur(grey, (0, 0), 1.2)


NOT_BLANK = {
    "faint copy of a letter": noisy(faint_copy(letter_page()), sigma=12, seed=3),
    "one word": with_text("Bilag")(blank()),
    "page number only": with_text("Side 2 af 2", 160, 285)(blank()),
    "a letter": noisy(letter_page()),
}


@pytest.mark.parametrize("name", BLANK)
def test_empty_page_with_scanner_noise_is_blank(name):
    assert marks.is_blank(BLANK[name], DPI), f"{name}: {marks.count_marks(BLANK[name])}"


@pytest.mark.parametrize("name", NOT_BLANK)
def test_page_with_any_text_is_not_blank(name):
    assert not marks.is_blank(NOT_BLANK[name], DPI), name


def test_blank_check_infers_resolution_from_a4_width():
    page_300 = with_text("Bilag")(np.full((3508, 2481), 250, np.uint8))
    assert not marks.is_blank(page_300)
    assert marks.is_blank(np.full((3508, 2481), 250, np.uint8))


def test_to_gray_accepts_colour_and_alpha():
    colour = np.zeros((4, 5, 3), np.uint8)
    assert preprocess.to_gray(colour).shape == (4, 5)
    assert preprocess.to_gray(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5)


# ---- print the page's reading left out (issue 15 item 3)

def _boxes(*boxes_mm: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    return [tuple(px(v) for v in box) for box in boxes_mm]  # type: ignore[misc]


def _window_and_info_page() -> np.ndarray:
    page = np.full((HEIGHT, WIDTH), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for y, s in ((55, "Lone Mette Petersen"), (61, "Tjornestien 22"), (67, "8370 Hadsten")):
        cv2.putText(page, s, (px(22), px(y)), font, 0.9, 0, 2, cv2.LINE_AA)
    cv2.putText(page, "CVR", (px(143), px(75)), font, 0.7, 0, 2, cv2.LINE_AA)
    cv2.putText(page, "57 29 07 65", (px(153), px(75)), font, 0.7, 0, 2, cv2.LINE_AA)
    return page


# what a reading read of that page: all but the name line and the label "CVR"
READ = _boxes((21, 57, 62, 62), (21, 63, 58, 68), (152, 71, 180, 76))


def test_a_line_the_reading_left_out_is_found_where_it_was_printed():
    found = marks.unread_lines(_window_and_info_page(), DPI, READ)
    assert len(found) == 2
    (x0, y0, x1, y1), label = found
    assert px(21) <= x0 <= px(23) and px(50) <= y0 and y1 <= px(56) and x1 >= px(45)
    # the info column's label is a crop of its own, not joined to the window's lines
    assert px(142) <= label[0] and label[2] <= px(152) and px(70) <= label[1] <= px(75)


def test_a_page_read_in_full_has_nothing_left_out():
    page = _window_and_info_page()
    read = READ + _boxes((21, 50, 72, 56), (142, 71, 151, 76))
    assert marks.unread_lines(page, DPI, read) == []


def test_noise_and_print_outside_the_address_area_are_not_read_again():
    page = np.full((HEIGHT, WIDTH), 255, np.uint8)
    rng = np.random.default_rng(3)
    ys, xs = rng.integers(0, HEIGHT, 3000), rng.integers(0, WIDTH, 3000)
    page[ys, xs] = 0  # single-pixel specks all over
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(page, "Favrskov Kommune", (px(20), px(20)), font, 1.6, 0, 4, cv2.LINE_AA)
    cv2.putText(page, "Med venlig hilsen", (px(20), px(200)), font, 0.9, 0, 2, cv2.LINE_AA)
    assert marks.unread_lines(page, DPI, []) == []


def test_a_tall_pen_stroke_over_the_block_is_no_line_to_read():
    page = np.full((HEIGHT, WIDTH), 255, np.uint8)
    points = np.array([(px(20 + 3 * i), px(50 + (14 if i % 2 else 0))) for i in range(20)])
    cv2.polylines(page, [points.reshape(-1, 1, 2)], False, 0, 3, cv2.LINE_AA)
    assert marks.unread_lines(page, DPI, []) == []
