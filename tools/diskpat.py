"""diskpat.py: the disk patterns the block smokes check (docs/testing.md).

The host fills a disk image with HOST_PATTERN before boot; the guest
(user/blkcheck, which computes the same bytes) checks what it reads, writes
GUEST_PATTERN over sectors [GUEST_FIRST, GUEST_FIRST + GUEST_COUNT) and flushes;
after QEMU exits, check() verifies the file: the guest's sectors hold the guest
pattern and every other byte still the host pattern.
"""

SECTOR = 512
GUEST_FIRST, GUEST_COUNT = 64, 64


def host_byte(sector, j):
    return (sector * 7 + j * 13 + 0x5a) & 0xff


def guest_byte(sector, j):
    return (sector * 11 + j * 3 + 0xa5) & 0xff


def _sector(fn, s):
    return bytes(fn(s, j) for j in range(SECTOR))


def make(path, size):
    """Writes a fresh image of size bytes holding the host pattern."""
    with open(path, "wb") as f:
        for s in range(size // SECTOR):
            f.write(_sector(host_byte, s))


def check(path):
    """None when the image is as expected after the guest's run, else why not."""
    with open(path, "rb") as f:
        data = f.read()
    for s in range(len(data) // SECTOR):
        guest = GUEST_FIRST <= s < GUEST_FIRST + GUEST_COUNT
        want = _sector(guest_byte if guest else host_byte, s)
        got = data[s * SECTOR:(s + 1) * SECTOR]
        if got != want:
            j = next(i for i in range(SECTOR) if got[i] != want[i])
            return "disk image: sector %d byte %d is 0x%02x, want 0x%02x (%s pattern)" % (
                s, j, got[j], want[j], "guest" if guest else "host")
    return None
