#!/usr/bin/env python3
"""lxml-translate.py - the reference for Khaalga's translate benchmark: python3-lxml
(libxml2 and libxslt underneath) parses the EDIFACT-XML form of the same interchange
and applies the same mapping sheet, compiled once, for SECONDS; prints messages per
second. It starts from EDIFACT-XML: the EDIFACT stage that Khaalga also runs is not
counted for lxml.

    python3 tests/bench/lxml-translate.py SECONDS SHEET EDIFACT-XML
"""
import sys
import time

from lxml import etree


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: lxml-translate.py SECONDS SHEET EDIFACT-XML\n")
        return 2
    seconds, sheet_path, path = float(argv[0]), argv[1], argv[2]
    access = etree.XSLTAccessControl.DENY_ALL
    transform = etree.XSLT(etree.parse(sheet_path), access_control=access)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    data = open(path, "rb").read()
    rounds = 0
    start = time.monotonic()
    while True:
        result = transform(etree.fromstring(data, parser), message="'1'")
        etree.tostring(result, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        rounds += 1
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
    print("%.1f messages/s (%d in %.2f s)" % (rounds / elapsed, rounds, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
