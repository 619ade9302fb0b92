"""Test-only oracle for test/adapt-corruptions.test.ts: the same geometric maps and Canny edges, computed by scipy
and scikit-image, for comparing with neuroplast's own TypeScript.

Needs Debian's python3-scipy and python3-skimage (run with /usr/bin/python3).

stdin: JSON {"images": [[784 values, row-major 28x28], ...],
             "affine": [[[xx, xy], [yx, yy]], ...]}   # inverse maps about the centre in (x = column, y = row)
stdout: JSON {"affine": [[[784 values] per map] per image], "canny": [[784 values of 0/1] per image]}
"""
import json
import sys

import numpy as np
from scipy import ndimage
from skimage import feature

SIDE = 28
CENTRE = (SIDE - 1) / 2


def warp(image, inverse_xy):
    (xx, xy), (yx, yy) = inverse_xy
    # scipy indexes (row, column): input = matrix @ output + offset.
    matrix = np.array([[yy, yx], [xy, xx]], dtype=np.float64)
    centre = np.array([CENTRE, CENTRE])
    offset = centre - matrix @ centre
    return ndimage.affine_transform(image, matrix, offset=offset, order=1, mode="constant", cval=0.0)


def main():
    request = json.load(sys.stdin)
    images = [np.array(values, dtype=np.float64).reshape(SIDE, SIDE) for values in request["images"]]
    answer = {
        "affine": [[warp(image, m).ravel().tolist() for m in request["affine"]] for image in images],
        "canny": [
            feature.canny(image, sigma=1.0, low_threshold=0.1, high_threshold=0.2).astype(float).ravel().tolist()
            for image in images
        ],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
