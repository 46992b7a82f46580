#!/usr/bin/env python3
"""A second implementation of docs/audit-format.md, written from the document
alone, in Python with its standard library (and `cryptography` for Ed25519).
It prints the golden test vectors as JSON; `tests/vectors.rs` (socred-log) and
`tests/log.rs` (socred-store) check the Rust implementation against them.

    python3 crates/socred-log/tests/vectors/reference.py > crates/socred-log/tests/vectors/vectors.json
"""

import base64
import hashlib
import json
import struct
import sys

ABSENT = b"\xff\xff\xff\xff"
GENESIS = "0" * 64


def text(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack("<I", len(data)) + data


def raw(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def optional(value):
    return ABSENT if value is None else text(value)


def integer(value: int) -> bytes:
    return struct.pack("<q", value)


def canonical(value) -> str:
    # Members sorted by the bytes of their keys, no whitespace, minimal escaping.
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda item: item[0].encode("utf-8"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(v) for k, v in members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(entry: bytes) -> bytes:
    return sha(b"\x00" + entry)


def node(left: bytes, right: bytes) -> bytes:
    return sha(b"\x01" + left + right)


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if len(leaves) == 0:
        return sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, whole):
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def entry_leaf(seq, at, actor, action, subject, detail, digest):
    encoded = (
        text("socred-audit-entry/2") + integer(seq) + text(at) + text(actor) + text(action)
        + optional(subject) + text(canonical(detail)) + text(digest)
    )
    return leaf(encoded)


def record_digest():
    sections = [hashlib.sha256() for _ in range(14)]
    sections[2].update(
        text("tax-1") + text("110101199003074514") + text("tax-evasion") + text("2025-03-01")
        + text("Municipal Tax Bureau") + ABSENT + integer(1_782_777_600_000) + text("2026-06-30")
    )
    outer = hashlib.sha256(struct.pack("<Q", 1))
    for section in sections:
        outer.update(section.digest())
    return outer.hexdigest()


def access_hash():
    return sha(
        text("socred-access/2") + text(GENESIS) + integer(1) + text("2026-06-30T09:00:00+08:00") + text("officer-wang")
        + text("110101199003074514") + text("appeal review") + text("file")
    ).hex()


def group_hash():
    return sha(text("socred-checks/2") + text(GENESIS) + integer(1) + integer(1) + integer(1) + raw(b"\x01\x02")).hex()


def checkpoint(root: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    name = "socred.example/demo"
    body = f"{name}\n7\n{base64.b64encode(root).decode()}\nsocred-time 2026-12-03T10:00:00Z\n"
    key = Ed25519PrivateKey.from_private_bytes(bytes([1] * 32))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = sha(name.encode() + b"\n" + b"\x01" + public)[:4]
    signature = key.sign(body.encode())
    note = body + "\n\u2014 " + name + " " + base64.b64encode(key_id + signature).decode() + "\n"
    encoded_public = base64.b64encode(b"\x01" + public).decode()
    verifier = f"{name}+{key_id.hex()}+{encoded_public}"
    return note, verifier


def main():
    leaves = [leaf(bytes([i])) for i in range(7)]
    root7 = mth(leaves)
    note, verifier = checkpoint(root7)
    vectors = {
        "canonical_json": {
            "input": '{ "b": 1, "a": {"z": [3, {"y": null, "x": "\u00e9\\n\\u0007"}], "c": true}, "\u4e2d": "\u6587" }',
            "canonical": canonical(json.loads('{ "b": 1, "a": {"z": [3, {"y": null, "x": "\u00e9\\n\\u0007"}], "c": true}, "\u4e2d": "\u6587" }')),
        },
        "merkle": {
            "leaf_inputs_hex": [bytes([i]).hex() for i in range(7)],
            "leaves": [h.hex() for h in leaves],
            "root_3": mth(leaves[:3]).hex(),
            "root_7": root7.hex(),
            "inclusion_3_of_7": [h.hex() for h in path(3, leaves)],
            "consistency_3_to_7": [h.hex() for h in subproof(3, leaves, True)],
            "consistency_4_to_7": [h.hex() for h in subproof(4, leaves, True)],
        },
        "entry_leaf": {
            "seq": 1,
            "at": "2026-06-30T00:00:00+08:00",
            "actor": "cli",
            "action": "store.init",
            "subject": None,
            "detail": {"origin": "socred/demo", "b": [1, 2]},
            "digest": "ab" * 32,
            "leaf": entry_leaf(1, "2026-06-30T00:00:00+08:00", "cli", "store.init", None, {"origin": "socred/demo", "b": [1, 2]}, "ab" * 32).hex(),
        },
        "record_digest": record_digest(),
        "access_hash": access_hash(),
        "check_group_hash": group_hash(),
        "checkpoint": {"note": note, "verifier_key": verifier},
    }
    json.dump(vectors, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
