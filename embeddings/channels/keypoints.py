"""Local features for copies that whole-frame hashes miss (crops, overlays, warps, meme frames).

ORB keypoints (OpenCV) are described by 256-bit binary descriptors. References
store a few hundred per frame; a query's descriptors (upright and mirrored,
since ORB is rotation- but not reflection-invariant) are looked up in a binary
FAISS index, grouped by reference frame, and a candidate frame is accepted only
when a RANSAC homography explains enough of the matched points. The geometric
check is what keeps unrelated pictures with similar texture from matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .perceptual import trim_borders


@dataclass(frozen=True)
class Keypoints:
    """Keypoint positions (N x 2, float32, in the analysis frame) and ORB descriptors (N x 32, uint8)."""

    xy: np.ndarray
    descriptors: np.ndarray

    def __len__(self) -> int:
        return int(self.xy.shape[0])


def analysis_image(image: np.ndarray, max_side: int) -> np.ndarray:
    """Border-trimmed grey frame, downscaled so its longer side is at most ``max_side``."""
    import cv2  # OpenCV loads when the channel runs, not when the package is imported

    inner, _ = trim_borders(image)
    grey = cv2.cvtColor(np.ascontiguousarray(inner), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    scale = max_side / max(h, w)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    result: np.ndarray = grey
    return result


_ORB_EDGE = 31
"""ORB's default edge threshold (and patch size): no keypoint lies closer to the border."""


def orb_keypoints(grey: np.ndarray, count: int, *, grid: int = 4) -> Keypoints:
    """Up to ``count`` ORB keypoints of a grey analysis image, spread over a ``grid`` x ``grid`` layout.

    ORB's own selection keeps the strongest corners, which cluster on the most
    textured region (or on an overlaid caption); a crop that misses that region
    then has nothing to match. Detecting four times as many and taking the
    strongest per cell in turn keeps every part of the frame represented.
    """
    import cv2

    if min(grey.shape[:2]) <= 2 * _ORB_EDGE:  # no keypoint fits (and OpenCV's pyramid fails on a few pixels)
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    orb = cv2.ORB_create(nfeatures=count * 4, scaleFactor=1.2, nlevels=8, fastThreshold=12)
    kps, desc = orb.detectAndCompute(grey, None)
    if desc is None or not kps:
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    xy = cv2.KeyPoint_convert(kps).astype(np.float32)
    if len(kps) > count:
        h, w = grey.shape[:2]
        cells = (np.minimum(xy[:, 1] * grid // h, grid - 1) * grid + np.minimum(xy[:, 0] * grid // w, grid - 1)).astype(int)
        response = np.fromiter((k.response for k in kps), np.float32, len(kps))
        order = np.lexsort((-response, cells))            # by cell, strongest first
        sorted_cells = cells[order]
        rank = np.empty(len(kps), int)
        rank[order] = np.arange(len(kps)) - np.searchsorted(sorted_cells, sorted_cells, side="left")
        chosen = np.lexsort((-response, rank))[:count]     # round-robin over cells
        xy, desc = xy[chosen], desc[chosen]
    return Keypoints(xy, desc.astype(np.uint8))


def reference_keypoints(image: np.ndarray, *, max_side: int, count: int) -> Keypoints:
    """Keypoints stored for a registered frame."""
    return orb_keypoints(analysis_image(image, max_side), count)


def query_keypoints(image: np.ndarray, *, max_side: int, count: int) -> tuple[Keypoints, Keypoints]:
    """Keypoints of a query frame, upright and mirrored (left-right)."""
    grey = analysis_image(image, max_side)
    return orb_keypoints(grey, count), orb_keypoints(np.ascontiguousarray(grey[:, ::-1]), count)


def verify_homography(query_xy: np.ndarray, reference_xy: np.ndarray, *, reprojection_px: float = 8.0) -> int:
    """Inliers of the best RANSAC homography mapping query points onto reference points (0 if none).

    Degenerate fits (collapsing or wildly stretching the frame, or flipping its
    orientation once more) count as 0, so clusters of look-alike texture cannot
    pass as a copy.
    """
    if len(query_xy) < 8:
        return 0
    import cv2

    matrix, mask = cv2.findHomography(query_xy.astype(np.float32), reference_xy.astype(np.float32),
                                      cv2.RANSAC, reprojection_px, maxIters=2000, confidence=0.995)
    if matrix is None or mask is None:
        return 0
    det = float(np.linalg.det(matrix[:2, :2]))
    if not (1 / 25 < abs(det) < 25):
        return 0
    if abs(matrix[2, 0]) > 0.01 or abs(matrix[2, 1]) > 0.01:  # extreme perspective: not a plausible copy
        return 0
    inliers = mask.ravel().astype(bool)
    pts = reference_xy[inliers]
    if len(pts) < 4:
        return 0
    spread = pts.max(axis=0) - pts.min(axis=0)
    if float(spread.min()) < 20:  # all points on a line or a blob: no real geometric evidence
        return 0
    return int(inliers.sum())


Box = tuple[int, int, int, int]


def _frame_points(image: np.ndarray, *, max_side: int, count: int, mirrored: bool) -> tuple[Keypoints, np.ndarray]:
    """Keypoints of a frame and, for each, where it lies in the frame as decoded (x, y pixels)."""
    inner, (x0, y0, _x1, _y1) = trim_borders(image)
    grey = analysis_image(image, max_side)
    if mirrored:
        grey = np.ascontiguousarray(grey[:, ::-1])
    points = orb_keypoints(grey, count)
    scale = grey.shape[1] / inner.shape[1]
    xs = points.xy[:, 0]
    if mirrored:
        xs = grey.shape[1] - 1 - xs
    decoded = np.stack([xs / scale + x0, points.xy[:, 1] / scale + y0], axis=1) if len(points) else points.xy
    return points, decoded


def _box(points: np.ndarray) -> Box:
    low, high = points.min(axis=0), points.max(axis=0)
    return int(low[0]), int(low[1]), int(np.ceil(high[0])), int(np.ceil(high[1]))


def matched_regions(query: np.ndarray, reference: np.ndarray, *, max_side: int, count: int,
                    mirrored: bool = False, max_distance: int = 64) -> tuple[Box, Box, int] | None:
    """Where a keypoint match lies in each frame: boxes (x0, y0, x1, y1, decoded pixels) around the points
    the RANSAC homography keeps, on the query frame and on the reference frame, and how many it keeps.

    Run again on the two frames a match names (the index keeps no positions per match), with the
    matcher's own steps: border trim, analysis size, ORB, Hamming nearest neighbours, homography.
    None when the pair no longer yields a homography (the matcher searched more candidates).
    """
    import cv2

    q_points, q_xy = _frame_points(query, max_side=max_side, count=count, mirrored=mirrored)
    r_points, r_xy = _frame_points(reference, max_side=max_side, count=count, mirrored=False)
    if len(q_points) < 8 or len(r_points) < 8:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(q_points.descriptors, r_points.descriptors)
    pairs = [p for p in pairs if p.distance <= max_distance]
    if len(pairs) < 8:
        return None
    q_idx = np.array([p.queryIdx for p in pairs])
    r_idx = np.array([p.trainIdx for p in pairs])
    _matrix, mask = cv2.findHomography(q_points.xy[q_idx].astype(np.float32), r_points.xy[r_idx].astype(np.float32),
                                       cv2.RANSAC, 8.0, maxIters=2000, confidence=0.995)
    if mask is None:
        return None
    kept = mask.ravel().astype(bool)
    if kept.sum() < 4:
        return None
    return _box(q_xy[q_idx[kept]]), _box(r_xy[r_idx[kept]]), int(kept.sum())
