"""Page images for the screen: scaled once, kept in a small cache, the next letter's made ahead.

The stored page images are 200 dpi scans (1,654 x 2,339 px, ~240 KB as JPEG);
a screen shows ~1,100 px. Scaling and compressing one takes ~0.1 s, so it is done
for the next letter in the queue while the clerk reads this one: when they get
there it is ready (responses are `no-store`, so the browser cannot keep it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

from postbakke.config import Settings
from postbakke.store import LetterRecord

DISPLAY_WIDTH_PX = 1100
CACHE_PAGES = 24

_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()
_prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="billeder")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def display_image(settings: Settings, stored_path: str) -> bytes | None:
    """The page scaled for the screen, as PNG bytes; None when the image is gone."""
    with _lock:
        if stored_path in _cache:
            _cache.move_to_end(stored_path)
            return _cache[stored_path]
    path = Path(stored_path)
    if not _inside(path, settings.pages_dir) or not path.is_file():
        return None  # only the workspace's own page images, and only while kept
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return None
    height, width = image.shape
    if width > DISPLAY_WIDTH_PX:
        scale = DISPLAY_WIDTH_PX / width
        image = cv2.resize(image, (DISPLAY_WIDTH_PX, round(height * scale)),
                           interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        return None
    data = encoded.tobytes()
    with _lock:
        _cache[stored_path] = data
        while len(_cache) > CACHE_PAGES:
            _cache.popitem(last=False)
    return data


def prefetch(settings: Settings, letter: LetterRecord | None) -> None:
    """Make the letter's page images ready in the background."""
    if letter is None:
        return
    for stored_path in letter.image_paths or []:
        with _lock:
            if stored_path in _cache:
                continue
        _prefetcher.submit(display_image, settings, stored_path)


def forget_all() -> None:
    with _lock:
        _cache.clear()
