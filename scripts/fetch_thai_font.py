"""Fetch the Thai font the charts ship with: Sarabun Regular (SIL Open Font License 1.1).

    python scripts/fetch_thai_font.py

Sarabun is the Thai government's own typeface (Cadson Demak, for the Sarabun project). Its TTF
files travel in the npm package of Google Fonts' Sarabun for Expo; `npm pack` fetches that
package, npm checks its integrity, and this script copies the Regular face and its licence into
watcher/query/fonts/, then checks the font's SHA-256 against the one committed here. Needs npm.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@expo-google-fonts/sarabun@0.4.1"
MEMBERS = {
    "package/400Regular/Sarabun_400Regular.ttf": "Sarabun-Regular.ttf",
    "package/LICENSE_FONT": "OFL.txt",
}
SHA256 = "b8150084e25734e6f31696c57ff009f5564efa09d295848b717d9e2328c0311d"
TARGET = Path(__file__).resolve().parents[1] / "watcher" / "query" / "fonts"


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        (tarball,) = Path(work).glob("*.tgz")
        TARGET.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member, name in MEMBERS.items():
                source = archive.extractfile(member)
                assert source is not None, member
                (TARGET / name).write_bytes(source.read())
    digest = hashlib.sha256((TARGET / "Sarabun-Regular.ttf").read_bytes()).hexdigest()
    if digest != SHA256:
        print(f"Sarabun-Regular.ttf: sha256 {digest}, expected {SHA256}", file=sys.stderr)
        return 1
    print(f"wrote {TARGET / 'Sarabun-Regular.ttf'} and {TARGET / 'OFL.txt'} from {PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
