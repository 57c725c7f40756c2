#!/usr/bin/env python3
"""make-declarations.py - writes the declarations of the validate benchmark:
valid DEC documents of about the wanted size, made from the first goods item of
xsd/mn/samples/dec/valid-import.xml repeated, with the totals the business rules
check (item count, gross mass, packages) recomputed.

    make-declarations.py SAMPLE OUT.xml ITEMS
"""
import copy
import sys
import xml.etree.ElementTree as ET

DEC = "urn:customs.gov.mn:wco:3.7:DEC"
MD = "urn:customs.gov.mn:wco:3.7:metadata"


def q(name):
    return "{%s}%s" % (DEC, name)


def main(argv):
    sample, out, items = argv[0], argv[1], int(argv[2])
    ET.register_namespace("md", MD)
    ET.register_namespace("dec", DEC)
    tree = ET.parse(sample)
    declaration = tree.getroot().find(q("Declaration"))
    shipment = declaration.find(q("GoodsShipment"))
    all_items = shipment.findall(q("GovernmentAgencyGoodsItem"))
    first = all_items[0]
    insert_at = list(shipment).index(first)
    for item in all_items:
        shipment.remove(item)
    gross = packages = 0.0
    for n in range(items):
        item = copy.deepcopy(first)
        item.find(q("SequenceNumeric")).text = str(n + 1)
        shipment.insert(insert_at + n, item)
        gross += float(item.find(q("Commodity")).find(q("GoodsMeasure")).find(q("GrossMassMeasure")).text)
        for p in item.findall(q("Packaging")):
            packages += float(p.find(q("QuantityQuantity")).text)
    declaration.find(q("GoodsItemQuantity")).text = str(items)
    declaration.find(q("TotalGrossMassMeasure")).text = "%g" % gross
    declaration.find(q("TotalPackageQuantity")).text = "%d" % packages
    tree.write(out, encoding="UTF-8", xml_declaration=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
