#!/usr/bin/env python3
"""lxml-validate.py - the reference for Khaalga's validate benchmark: python3-lxml
(libxml2 underneath) parses a document and validates it against the same schema,
compiled once, for SECONDS, and prints messages per second.

    python3 tests/bench/lxml-validate.py SECONDS SCHEMA FILE
"""
import sys
import time

from lxml import etree


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: lxml-validate.py SECONDS SCHEMA FILE\n")
        return 2
    seconds, schema_path, path = float(argv[0]), argv[1], argv[2]
    schema = etree.XMLSchema(etree.parse(schema_path))
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    data = open(path, "rb").read()
    rounds = invalid = 0
    start = time.monotonic()
    while True:
        doc = etree.fromstring(data, parser)
        if not schema.validate(doc):
            invalid += 1
        rounds += 1
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
    print("%.1f messages/s (%d in %.2f s, %d invalid)" % (rounds / elapsed, rounds, elapsed, invalid))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
