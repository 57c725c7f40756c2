#!/usr/bin/env python3
"""gen_corpus.py - writes Khaalga's EDIFACT test corpus and examples.

Outputs (all overwritten on every run; the output is deterministic):
  tests/corpus/edifact/valid/*.edi         valid interchanges, one or more per
                                           message type and directory
  tests/corpus/edifact/broken/*.edi        one defect each, derived from a valid
  tests/corpus/edifact/broken/*.expect     interchange, with the expected verdict
  tests/corpus/edifact/broken/README.md    the table of broken cases
  examples/edifact/*.edi                   sample interchanges for new users

How it works: each message is written here as a Python list of segments in
readable form (tag, then data elements; a composite is a list of components;
values are Unicode text, Num() marks decimal numbers).  An Interchange adds the
envelope (UNA, UNB, UNG, UNH/UNT, UNE, UNZ) with the control counts computed,
and serialises to bytes in the declared character set with the separators of
the syntax version (release character escapes, UNOB information separators,
decimal comma when the UNA says so).  A broken file is a valid interchange plus
one mutation, applied either to the segment list or to the bytes.

check_corpus.py (next to this file) checks the result independently against
mappings/edifact/.  Python 3 standard library only.  Usage: gen_corpus.py
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..'))
VALID_DIR = os.path.join(TOP, 'tests', 'corpus', 'edifact', 'valid')
BROKEN_DIR = os.path.join(TOP, 'tests', 'corpus', 'edifact', 'broken')
EXAMPLES_DIR = os.path.join(TOP, 'examples', 'edifact')


class Num(str):
    """A decimal number: written with the interchange's decimal mark."""


def S(tag, *elements):
    return [tag] + list(elements)

# ------------------------------------------------------------------ texts
# Names, places and free text in the language of each character set.  The
# corpus tells a few connected stories:
#   import   IM26110001: Mongol Impex LLC imports two used excavators and spare
#            parts from Müller Maschinenbau (Munich) by rail via Zamyn-Üüd;
#            the duties are paid through Khan Bank (PAYMUL, BANSTA, CREMUL,
#            FINSTA) and acknowledged by customs (CUSRES);
#   import   IM26110002/3: spare parts and French wine (two messages);
#   export   EX26110142: Mongol Export LLC exports cashmere to Erenhot by road
#            (CUSDEC, GOVCBR, CUSRES);
#   cargo    diesel fuel in rail tank cars from Irkutsk via Naushki (CUSCAR), and
#            solar panels by truck from Erenhot (CUSCAR, IFTMIN transit).

TEXT = {
    # UNOW (UTF-8): Mongolian Cyrillic, with Ө ө Ү ү.
    'mn': dict(
        trader='Монгол Импекс ХХК', trader_street='Энхтайваны өргөн чөлөө 17',
        trader_district='Сүхбаатар дүүрэг', city='Улаанбаатар',
        exporter='Монгол Экспорт ХХК', exporter_street='Чингисийн өргөн чөлөө 24',
        exporter_district='Хан-Уул дүүрэг',
        broker='Өлзий Түшиг ХХК', contact='Түмэнбаяр Өлзий',
        seller='Мюллер Машиненбау ГмбХ', seller_street='Леопольдштрассе 244',
        seller_city='Мюнхен', seller_post='80807', seller_country='DE',
        cn_partner='Эрээн Шинхуа Трейдинг ХХК', cn_street='Гэгээн гудамж 8',
        cn_city='Эрээн', cn_post='011100',
        goods1='Гидравлик экскаватор, хуучин, 2019 он', goods2='Экскаваторын сэлбэг хэрэгсэл',
        cashmere1='Ноолууран цамц, эмэгтэй, сүлжмэл', cashmere2='Угаасан самнасан ямааны ноолуур',
        cn_goods='Нарны хавтан, монокристалл, 450 Вт',
        office='Улаанбаатар хотын гааль', border='Замын-Үүд', foreign_border='Эрээн',
        customs='Гаалийн ерөнхий газар', bank='Хаан Банк ХХК', treasury_bank='Худалдаа хөгжлийн банк',
        road_carrier='Өмнөговь Тээвэр ХХК', driver='Баттөмөр Өсөхбаяр', nationality='Монгол',
        transit_note='Ачаа гаалийн битүүмжлэлтэй транзитаар явна',
        export_note='Ноолуурын экспорт, гарал үүслийн гэрчилгээ хавсаргав',
        ok_text='Мэдүүлгийг хүлээн авлаа, ногоон суваг', release_text='Барааг гаргахыг зөвшөөрөв',
        err_text='Барааны ангиллын код буруу байна',
        pay_text='Гаалийн болон НӨАТ-ын төлбөр', delivery='DAP Эрээн',
    ),
    # UNOC (ISO 8859-1): German and French sellers; Mongolian names in Latin
    # transliteration (Ö ö Ü ü exist in Latin-1).
    'latin': dict(
        trader='Mongol Impex LLC', trader_street='Peace Avenue 17',
        trader_district='Sükhbaatar District', city='Ulaanbaatar',
        exporter='Mongol Export LLC', exporter_street='Chinggis Avenue 24',
        exporter_district='Khan-Uul District',
        broker='Ölzii Tüshig XXK', contact='Tümenbayar Ölzii',
        seller='Müller Maschinenbau GmbH', seller_street='Leopoldstraße 244',
        seller_city='München', seller_post='80807', seller_country='DE',
        seller2='Société Générale de Négoce SA', seller2_street='Rue de la République 12',
        seller2_city='Lyon', seller2_post='69002', seller2_country='FR',
        cn_partner='Erenhot Xinhua Trading Co. Ltd', cn_street='Qianjin Road 8',
        cn_city='Erenhot', cn_post='011100',
        goods1='Hydraulikbagger, gebraucht, Baujahr 2019', goods2='Ersatzteile für Hydraulikbagger',
        wine='Vin rouge de Bourgogne, appellation contrôlée',
        cashmere1='Cashmere sweaters, women, knitted', cashmere2='Dehaired washed goat cashmere',
        cn_goods='Solar panels, monocrystalline, 450 W',
        office='Ulaanbaatar Customs House', border='Zamyn-Üüd', foreign_border='Erenhot (Erlian)',
        customs='General Customs Administration', bank='Khan Bank LLC',
        treasury_bank='Trade and Development Bank',
        road_carrier='Erenhot Huayang Logistics Co. Ltd', driver='Battömör Ösökhbayar',
        nationality='Mongolian',
        transit_note='Goods move in transit under customs seal',
        ok_text='Declaration accepted, green channel', release_text='Goods released for export',
        err_text='Commodity code not valid for the declared goods',
        pay_text='Droits de douane réglés, reçu n° 4471', delivery='CIP Zamyn-Üüd',
    ),
    # UNOE (ISO 8859-5): Russian.
    'ru': dict(
        trader='ООО Монгол Импекс', trader_street='проспект Мира 17', city='Улан-Батор',
        seller='АО Иркутскнефтепродукт', seller_street='ул. Ленина 34',
        seller_city='Иркутск', seller_post='664003',
        rail_carrier='ООО Сибирь Транс Логистик', contact='Иванов Сергей Петрович',
        fuel='Дизельное топливо ЕВРО-5, класс 2', border='Наушки',
        rail_note='Груз следует в цистернах под пломбами № 4471-4472',
    ),
    # UNOA: upper case letters, digits and a few signs only.
    'upper': dict(
        broker='OLZII TUSHIG XXK', office='ULAANBAATAR CUSTOMS HOUSE',
        ok_text='DECLARATION ACCEPTED, CHANNEL GREEN',
    ),
    # UNOB: ISO 646 with lower case, no release character.
    'ascii': dict(
        trader='Mongol Impex LLC', trader_street='Peace Avenue 17', city='Ulaanbaatar',
        cn_partner='Erenhot Xinhua Trading Co. Ltd', cn_city='Erenhot', cn_post='011100',
        road_carrier='Gobi Road Transport LLC', cn_goods='Solar panels, monocrystalline, 450 W',
        border='Zamyn-Uud', foreign_border='Erenhot',
        transit_note='Transit under customs seal, route Erenhot - Zamyn-Uud - Ulaanbaatar',
    ),
}

# ------------------------------------------------------------------ amounts
# The import IM26110001: (HS code, text key, invoice EUR, gross kg, net kg,
# packages, package type).  Duty 5 % of the customs value, VAT 10 % of value
# plus duty, everything in MNT at the declared rate.

EUR_MNT = '3712.45'
IMPORT_ITEMS = [('84295200', 'goods1', '246000.00', '24500', '23800', '2', 'NE'),
                ('84314990', 'goods2', '18400.00', '1260', '1180', '6', 'CT')]
PARTS_ITEMS = [('84314990', 'goods2', '9650.00', '640', '610', '4', 'CT')]
WINE_ITEMS = [('22042110', 'wine', '28800.00', '1710', '1296', '120', 'CT')]


def assess(items, rate=EUR_MNT):
    """Per item (customs value, duty, VAT) and the totals, in MNT."""
    out = []
    for it in items:
        value = round(float(it[2]) * float(rate), 2)
        duty = round(value * 0.05, 2)
        vat = round((value + duty) * 0.10, 2)
        out.append((value, duty, vat))
    return out, round(sum(o[1] for o in out), 2), round(sum(o[2] for o in out), 2)


_, IMPORT_DUTY, IMPORT_VAT = assess(IMPORT_ITEMS)
IMPORT_TOTAL = '%.2f' % (IMPORT_DUTY + IMPORT_VAT)        # paid by the bank messages
ACCOUNT_OPENING = '1520000000.00'                           # customs revenue account

# ------------------------------------------------------------------ messages
# Each builder returns the segments between UNH and UNT.  d is the directory
# (D96B, D01B, D21A), t the texts, ref the document number in BGM.


def weight(d, qual, kg):
    """A weight: MEA with the measurement qualifier of the directory (the 6313
    codes G and AAL were withdrawn before D21A)."""
    q = {'G': 'AAD', 'N': 'AAF'}[qual] if d == 'D21A' else {'G': 'G', 'N': 'AAL'}[qual]
    return S('MEA', 'WT', [q], ['KGM', Num(kg)])


def party(qual, pid, name, street=None, city=None, post=None, country=None):
    """NAD with an identifier (code list 'mutually defined'), a structured
    name, and optionally street, city, postcode and country."""
    els = ['NAD', qual, [pid, '', 'ZZZ'], '', [name]]
    if street or city or country:
        els += [street if isinstance(street, list) else [street] if street else '',
                city or '', '', post or '', country or '']
    while els[-1] == '':
        els.pop()
    return els


def cst(d, n, hs, procedure):
    """Goods item number, 8-digit HS code (code list 169 'Harmonized system'
    of agency 1 'CCC'; code list qualifier 1131 has no code list in D21A), and
    the customs procedure (code list 117, e.g. 4000 release for free
    circulation, 1000 export), which the normalized declaration requires."""
    return S('CST', str(n), [hs, '169' if d != 'D21A' else '', '1'], [procedure, '117'])


def cusdec_import(d, t, ref, items=IMPORT_ITEMS, seller='seller', invoice='INV-2026-0815',
                  when='202611231015'):
    """Import declaration: goods from Europe by rail through Zamyn-Üüd to
    Ulaanbaatar; duty 5 % and VAT 10 % in MNT."""
    country = t[seller + '_country']
    lines, duty_total, vat_total = assess(items)
    segs = [
        S('BGM', ['929'], [ref], '9'),
        S('LOC', '22', ['1001', '', 'ZZZ', t['office']]),
        S('LOC', '41', ['3301', '', 'ZZZ', t['border']]),
        S('LOC', '35', [country]),
        S('DTM', ['137', when, '203']),
        weight(d, 'G', str(sum(int(i[3]) for i in items))),
        S('FTX', 'AAI', '', '', [t['transit_note']]),
        S('RFF', ['ABP', 'MN1234567']),
        S('TDT', '11', 'ZU4411', ['2']),
        S('DOC', ['380'], [invoice]),
        S('DTM', ['3', '20261015', '102']),
        party('IM', '2012345', t['trader'], [t['trader_street'], t['trader_district']],
              t['city'], '14200', 'MN'),
        party('CZ', country + '129274202', t[seller], t[seller + '_street'], t[seller + '_city'],
              t[seller + '_post'], country),
        party('DT', '5098713', t['broker'], city=t['city'], country='MN'),
        S('CTA', 'IC', ['', t['contact']]),
        S('COM', ['97611312244', 'TE']),
        S('TOD', '6', '', ['', '', '', t['delivery']]),
        S('MOA', ['39', Num('%.2f' % sum(float(i[2]) for i in items)), 'EUR']),
        S('CUX', ['2', 'EUR', '4'], ['3', 'MNT'], Num(EUR_MNT)),
        S('UNS', 'D'),
    ]
    for n, (item, (value, duty, vat)) in enumerate(zip(items, lines), 1):
        hs, key, amount, gross, net, pkgs, pkgtype = item
        segs += [
            cst(d, n, hs, '4000'),
            S('FTX', 'AAA', '', '', [t[key]]),
            S('LOC', '27', [country]),
            weight(d, 'G', gross),
            weight(d, 'N', net),
            S('PAC', pkgs, '', [pkgtype]),
            S('MOA', ['40', Num('%.2f' % value), 'MNT']),
            S('DOC', ['380'], [invoice]),
            S('TAX', '1', ['CUD'], '', '', ['', '', '', '5']),
            S('MOA', ['161', Num('%.2f' % duty), 'MNT']),
            S('TAX', '1', ['VAT'], '', '', ['', '', '', '10']),
            S('MOA', ['161', Num('%.2f' % vat), 'MNT']),
        ]
    segs += [
        S('UNS', 'S'),
        S('CNT', ['5', str(len(items))]),
        S('TAX', '5', ['CUD']),
        S('MOA', ['176', Num('%.2f' % duty_total), 'MNT']),
        S('TAX', '7', ['VAT']),
        S('MOA', ['176', Num('%.2f' % vat_total), 'MNT']),
    ]
    return segs


def cusdec_export(d, t, ref):
    """Export declaration EX26110142: cashmere from Ulaanbaatar to China by
    road through Zamyn-Üüd (D21A: no GIS, weights AAD/AAF)."""
    rate = '3398.70'
    items = [('61101210', 'cashmere1', '386400.00', '2420', '2310', '242', 'CT'),
             ('51021910', 'cashmere2', '126000.00', '1000', '980', '20', 'BL')]
    segs = [
        S('BGM', ['830'], [ref], '9'),
        S('LOC', '22', ['1001', '', 'ZZZ', t['office']]),
        S('LOC', '42', ['3301', '', 'ZZZ', t['border']]),
        S('LOC', '28', ['CN']),
        S('DTM', ['137', '202611240930', '203']),
        weight(d, 'G', '3420'),
        S('FTX', 'AAI', '', '', [t['export_note']]),
        S('RFF', ['ABP', 'MN7654321']),
        S('TDT', '11', '4471УБА' if t is TEXT['mn'] else '4471UBA', ['3']),
        S('DOC', ['380'], ['EXP-2026-0142']),
        S('DTM', ['3', '20261120', '102']),
        party('EX', '2054321', t['exporter'], [t['exporter_street'], t['exporter_district']],
              t['city'], '17010', 'MN'),
        party('CN', 'CN91150800', t['cn_partner'], t['cn_street'], t['cn_city'], t['cn_post'], 'CN'),
        party('DT', '5098713', t['broker'], city=t['city'], country='MN'),
        S('CTA', 'IC', ['', t['contact']]),
        S('COM', ['97699112233', 'TE']),
        S('TOD', '6', '', ['', '', '', t['delivery']]),
        S('MOA', ['39', Num('%.2f' % sum(float(i[2]) for i in items)), 'USD']),
        S('CUX', ['2', 'USD', '4'], ['3', 'MNT'], Num(rate)),
        S('UNS', 'D'),
    ]
    for n, (hs, key, amount, gross, net, pkgs, pkgtype) in enumerate(items, 1):
        segs += [
            cst(d, n, hs, '1000'),
            S('FTX', 'AAA', '', '', [t[key]]),
            S('LOC', '27', ['MN']),
            weight(d, 'G', gross),
            weight(d, 'N', net),
            S('PAC', pkgs, '', [pkgtype]),
            S('MOA', ['40', Num('%.2f' % round(float(amount) * float(rate), 2)), 'MNT']),
            S('DOC', ['380'], ['EXP-2026-0142']),
        ]
    segs += [S('UNS', 'S'), S('CNT', ['5', str(len(items))])]
    return segs


def cusres(d, t, ref, decl, outcome):
    """Customs response: 'assessed' (accepted, duties assessed), 'released'
    (export released) or 'rejected' (with the error).  The declaration is
    quoted by the declarant's reference RFF+ABE (the LRN, which the normalized
    response requires), and the error points at the classification of goods
    item 1 (ERP :1, WCO DM element 145; C701/1049 stays
    empty: its code list has no WCO DM class IDs), what its error C12 is about."""
    segs = [
        S('BGM', ['963' if outcome == 'rejected' else '962'], [ref], '9',
          'RE' if outcome == 'rejected' else 'AP'),
        S('DTM', ['137', '202611231130', '203']),
        S('FTX', 'AAI', '', '', [t['err_text'] if outcome == 'rejected' else
                                 t['release_text'] if outcome == 'released' else t['ok_text']]),
        S('LOC', '22', ['1001', '', 'ZZZ', t['office']]),
        party('DT', '5098713', t['broker']),
        S('RFF', ['ABE', decl]),
        S('DTM', ['137', '202611231015', '203']),
    ]
    if outcome == 'assessed':
        segs += [
            S('TAX', '5', ['CUD']),
            S('MOA', ['176', Num('%.2f' % IMPORT_DUTY), 'MNT']),
            S('TAX', '7', ['VAT']),
            S('MOA', ['176', Num('%.2f' % IMPORT_VAT), 'MNT']),
        ]
    elif outcome == 'rejected':
        segs += [
            S('ERP', ['', '1'], ['', '145']),
            S('RFF', ['ABE', decl]),
            S('ERC', ['C12']),
            S('FTX', 'AAO', '', '', [t['err_text']]),
        ]
    return segs


def cuscar_rail(d, t, ref):
    """Cargo report of a Russian rail carrier: diesel fuel (UN 1202) in two
    tank cars from Irkutsk via Naushki.  BGM 933 (cargo declaration, arrival)
    and the office of departure LOC+118 (Irkutsk; illustrative code), which
    the normalized transit and cargo document requires."""
    return [
        S('BGM', ['933'], [ref], '9'),
        S('DTM', ['137', '202611221800', '203']),
        S('RFF', ['AAS', 'ЭР-2026-118734']),
        party('CA', 'RU3808123456', t['rail_carrier'], city=t['seller_city'], country='RU'),
        S('CTA', 'IC', ['', t['contact']]),
        S('COM', ['73952201100', 'TE']),
        S('FTX', 'AAI', '', '', [t['rail_note']]),
        S('TDT', '20', '2071', ['2']),
        S('LOC', '9', ['RUIKT', '', 'ZZZ', t['seller_city']]),
        S('LOC', '17', ['RUNAU', '', 'ZZZ', t['border']]),
        S('LOC', '118', ['RU10607010']),
        S('DTM', ['132', '202611240600', '203']),
        S('EQD', 'RR', ['75123456']),
        S('MEA', 'WT', ['G'], ['KGM', Num('60500')]),
        S('SEL', '4471'),
        S('EQD', 'RR', ['75123464']),
        S('MEA', 'WT', ['G'], ['KGM', Num('60350')]),
        S('SEL', '4472'),
        S('CNT', ['7', Num('120850'), 'KGM']),
        S('CNI', '1', ['ЭР-2026-118734']),
        S('RFF', ['AAS', 'ЭР-2026-118734']),
        party('CZ', 'RU3811009876', t['seller'], t['seller_street'], t['seller_city'],
              t['seller_post'], 'RU'),
        party('CN', '2012345', t['trader'], t['trader_street'], t['city'], '14200', 'MN'),
        S('GID', '1', ['2', 'TK']),
        S('FTX', 'AAA', '', '', [t['fuel']]),
        weight(d, 'G', '120850'),
        S('DGS', 'RID', ['3'], ['1202']),
    ]


def cuscar_road(d, t, ref, reporter=None):
    """Cargo report for a truck of solar panels from Erenhot; reporter is
    (id, name) of a foreign customs office sending it, else the carrier.
    BGM 933 (cargo declaration, arrival) and the office of departure LOC+118
    (Erenhot; illustrative code) after the border crossing."""
    segs = [
        S('BGM', ['933'], [ref], '9'),
        S('DTM', ['137', '202611230700', '203']),
        S('RFF', ['AAM', 'EH-CMR-2026-5531']),
    ]
    if reporter:
        segs += [party('MS', reporter[0], reporter[1], city=t['cn_city'], country='CN')]
    segs += [
        party('CA', 'CN15250077', t['road_carrier'], city=t['cn_city'], country='CN'),
        S('FTX', 'AAI', '', '', [t['transit_note']]),
        S('TDT', '20', 'NM-K-2288', ['3']),
        S('LOC', '9', ['CNERL', '', 'ZZZ', t['foreign_border']]),
        S('LOC', '17', ['MNZMU', '', 'ZZZ', t['border']]),
        S('LOC', '118', ['CN0705']),
        S('DTM', ['132', '202611231000', '203']),
        S('EQD', 'TE', ['NM-G-3471']),
        S('SEL', 'CN88123'),
        S('CNT', ['11', '310']),
        S('CNI', '1', ['EH-CMR-2026-5531']),
        S('RFF', ['AAM', 'EH-CMR-2026-5531']),
        party('CZ', 'CN91150800', t['cn_partner'], t.get('cn_street'), t['cn_city'],
              t['cn_post'], 'CN'),
        party('CN', '2012345', t['trader'], t['trader_street'], t['city'], '14200', 'MN'),
        S('GID', '1', ['310', 'CT']),
        S('FTX', 'AAA', '', '', [t['cn_goods']]),
        weight(d, 'G', '18400'),
    ]
    return segs


def iftmin(d, t, ref):
    """Forwarding instruction for the transit of the solar panels by road:
    Erenhot - Zamyn-Üüd - Ulaanbaatar, one 40' container under customs seal.
    BGM 950 (goods declaration for customs transit) and the office of
    departure LOC+118 (Erenhot; illustrative code)."""
    return [
        S('BGM', ['950'], [ref], '9'),
        S('DTM', ['137', '202611221400', '203']),
        S('FTX', 'AAI', '', '', [t['transit_note']]),
        S('LOC', '5', ['CNERL', '', 'ZZZ', t['foreign_border']]),
        S('DTM', ['133', '202611230800', '203']),
        S('LOC', '8', ['MNULN', '', 'ZZZ', t['city']]),
        S('DTM', ['132', '202611251800', '203']),
        S('LOC', '118', ['CN0705']),
        S('RFF', ['FF', 'TT-2026-0412']),
        S('TDT', '20', 'TT0412', ['3']),
        S('LOC', '17', ['MNZMU', '', 'ZZZ', t['border']]),
        party('CZ', 'CN91150800', t['cn_partner'], city=t['cn_city'], post=t['cn_post'], country='CN'),
        party('CN', '2012345', t['trader'], t['trader_street'], t['city'], '14200', 'MN'),
        party('CA', '6044321', t['road_carrier'], city=t['city'], country='MN'),
        S('GID', '1', ['310', 'CT']),
        S('FTX', 'AAA', '', '', [t['cn_goods']]),
        S('MEA', 'WT', ['G' if d != 'D21A' else 'AAD'], ['KGM', Num('18400')]),
        S('EQD', 'CN', ['TGHU8812340'], '', '', '', '5'),
        S('SEL', 'CN88123'),
    ]


def paymul(d, t, ref):
    """Payment order: Khan Bank pays duties and VAT of IM26110001 for the
    importer to the customs treasury account."""
    return [
        S('BGM', ['452'], [ref], '9'),
        S('DTM', ['137', '202611231300', '203']),
        S('BUS', ['1', 'GVT']),
        S('RFF', ['AEK', 'PM-2026-1123-01']),
        S('LIN', '1'),
        S('DTM', ['203', '20261124', '102']),
        S('MOA', ['9', Num(IMPORT_TOTAL), 'MNT']),
        S('FII', 'OR', ['5012345678', t['trader']], ['KHANMNUB', '25', '17', '', '', '', t['bank']]),
        party('OY', '2012345', t['trader'], city=t['city'], country='MN'),
        S('SEQ', '', ['1']),
        S('MOA', ['9', Num(IMPORT_TOTAL), 'MNT']),
        S('RFF', ['ABT', 'IM26110001']),
        S('FII', 'BF', ['100200300400', t['customs']], ['TDBMMNUB', '25', '17']),
        party('BE', 'MNCUSTOMS', t['customs'], city=t['city'], country='MN'),
        S('PRC', ['11']),
        S('FTX', 'PMT', '', '', [t['pay_text'], 'IM26110001']),
    ]


def finsta(d, t, ref):
    """Statement of the customs revenue account: opening balance and the
    credit for IM26110001 (plus the closing balance where 5025 has code 343)."""
    closing = '%.2f' % (float(ACCOUNT_OPENING) + float(IMPORT_TOTAL))
    segs = [
        S('BGM', ['493'], [ref], '9'),
        S('DTM', ['137', '202611232359', '203']),
        S('RFF', ['AGN', 'ST-2026-327']),
        S('FII', 'BK', '', ['TDBMMNUB', '25', '17', '', '', '', t['treasury_bank']]),
        party('AO', 'MNCUSTOMS', t['customs'], city=t['city'], country='MN'),
        S('LIN', '1'),
        S('FII', 'AO', ['100200300400', t['customs'], '', 'MNT']),
        S('RFF', ['ACK', 'ST-2026-327']),
        S('MOA', ['315', Num(ACCOUNT_OPENING), 'MNT']),
        S('DTM', ['194', '20261123', '102']),
    ]
    if d != 'D96B':
        segs += [S('MOA', ['343', Num(closing), 'MNT']),
                 S('DTM', ['194', '20261123', '102'])]
    # The transaction as the normalized payment confirmation needs it: the
    # payment reference RFF+PQ, the bank's transaction ID (RFF+AIK, in D96B
    # ACK), the payer (RFF+FC, in D96B AHP), the payment time with a time of
    # day and the channel in BUS C551 4383 (PAC card, TRF transfer; the sheet's
    # 4461 code with 1131 134 is not used: 4383 has a code list, 1131 none in
    # D21A).
    segs += [S('SEQ', '', ['1']), S('RFF', ['ABT', 'IM26110001'])]
    if d == 'D01B':
        segs += [S('RFF', ['ABE', 'ORG-2026-001123'])]
    segs += [
        S('RFF', ['PQ', '100126T00004471']),
        S('RFF', ['ACK' if d == 'D96B' else 'AIK', 'TDB-2026-1123-000417']),
        S('RFF', ['AHP' if d == 'D96B' else 'FC', '2012345']),
        S('DTM', ['209', '20261123', '102']),
        {'D96B': S('DTM', ['193', '20261123104712', '204']),
         'D01B': S('DTM', ['202', '202611231047', '203']),
         'D21A': S('DTM', ['202', '202611231047+0800', '205'])}[d],
        S('BUS', ['1', 'GVT'], '', '', 'PAC' if d == 'D01B' else 'TRF'),
        S('MOA', ['60', Num(IMPORT_TOTAL), 'MNT']),
        S('FTX', 'PMT', '', '', [t['pay_text'], t['trader']]),
    ]
    return segs


def bansta(d, t, ref):
    """Banking status: the payment order PM-2026-1123-01 was executed
    (GIS 32 'transaction accepted'; GEI in D21A), with what the normalized
    payment confirmation needs: the channel in BUS C551, the payment reference
    RFF+PQ, the bank's transaction ID (RFF+AIK, in D96B ACK), the payment time
    with a time of day and the payer (NAD+PL/PR, in D96B RFF+FC)."""
    segs = [
        S('BGM', ['23'], [ref], '9'),
        S('DTM', ['137', '202611231330', '203']),
        S('BUS', ['1', 'GVT'], '', '', 'PAC' if d == 'D01B' else 'TRF'),
        S('RFF', ['AEK', 'PM-2026-1123-01']),
        S('LIN', '1'),
        S('RFF', ['ABT', 'IM26110001']),
    ]
    if d == 'D96B':
        segs += [S('RFF', ['ABE', 'ORG-2026-001123']),
                 S('RFF', ['PQ', '100126T00004471']),
                 S('RFF', ['ACK', 'KHB-TRF-20261123-0004471']),
                 S('RFF', ['FC', '2012345'])]
    else:
        segs += [S('RFF', ['PQ', '100126T00004471']),
                 S('RFF', ['AIK', 'KHB-POS-20261123-0004471' if d == 'D01B' else
                           'KHB-TRF-20261123-0004471'])]
    segs += [
        S('SEQ', '', ['1']),
        S('GEI', '2', ['32']) if d == 'D21A' else S('GIS', ['32']),
        {'D96B': S('DTM', ['193', '20261123104712', '204']),
         'D01B': S('DTM', ['193', '202611231047', '203']),
         'D21A': S('DTM', ['193', '202611231047+0800', '205'])}[d],
        S('MOA', ['9', Num(IMPORT_TOTAL), 'MNT']),
        S('FTX', 'AAI', '', '', [t['pay_text']]),
        S('FII', 'OR', ['5012345678', t['trader']], ['KHANMNUB', '25', '17', '', '', '', t['bank']]),
    ]
    if d != 'D96B':
        segs += [party('PL' if d == 'D01B' else 'PR', '2012345', t['trader'], city=t['city'],
                       country='MN')]
    return segs


def cremul(d, t, ref):
    """Credit advice to customs: the treasury account was credited with the
    duties of IM26110001 paid by the importer, with what the normalized
    payment confirmation needs: the payment time with a time of day (DTM+202
    of the credit in D01B, DTM+193 of the transaction otherwise), the payment
    reference RFF+PQ, and the channel in PAI C534/4461 (30 transfer, 48 card,
    68 online)."""
    segs = [
        S('BGM', ['454'], [ref], '9'),
        S('DTM', ['137', '202611231400', '203']),
        S('LIN', '1'),
        S('DTM', ['209', '20261123', '102']),
    ]
    if d == 'D01B':
        segs += [S('DTM', ['202', '202611231047', '203'])]
    segs += [
        S('MOA', ['60', Num(IMPORT_TOTAL), 'MNT']),
        S('RFF', ['ACK', 'CR-2026-1123-77']),
        S('FII', 'BF', ['100200300400', t['customs']], ['TDBMMNUB', '25', '17']),
        S('SEQ', '', ['1']),
    ]
    if d == 'D96B':
        segs += [S('DTM', ['193', '202611231047', '203'])]
    elif d == 'D21A':
        segs += [S('DTM', ['193', '202611231047+0800', '205'])]
    segs += [
        S('FII', 'OR', ['5012345678', t['trader']], ['KHANMNUB', '25', '17', '', '', '', t['bank']]),
        S('RFF', ['ABT', 'IM26110001']),
    ]
    if d == 'D01B':
        segs += [S('RFF', ['ABE', 'ORG-2026-001123'])]
    segs += [S('RFF', ['PQ', '100126T00004471'])]
    if d != 'D96B':
        segs += [S('RFF', ['AIK', 'KHB-POS-20261123-0004471' if d == 'D01B' else
                           'KHB-QR-20261123-7F3A9C'])]
    segs += [
        S('PAI', ['', '', {'D96B': '30', 'D01B': '48', 'D21A': '68'}[d]]),
        S('MOA', ['60', Num(IMPORT_TOTAL), 'MNT']),
        party('PL' if d != 'D21A' else 'PR', '2012345', t['trader'], city=t['city'], country='MN'),
        S('PRC', ['11']),
        S('FTX', 'PMT', '', '', [t['pay_text'], 'IM26110001']),
    ]
    return segs


def aperak(d, t, ref, text=None):
    """Application error: declaration IM26110002 was received, its commodity
    code is wrong."""
    segs = [
        S('BGM', ['23' if d == 'D96B' else '313'], [ref], '9'),
        S('DTM', ['137', '202611231020', '203']),
        S('FTX', 'AAI', '', '', [text or t['err_text']]),
    ]
    if d != 'D96B':
        segs += [S('DOC', ['929'], ['IM26110002'])]
    segs += [
        S('RFF', ['ACW', 'IM26110002']),
        party('MS', 'MNCUSTOMS', t['customs']),
        S('ERC', ['C12']),
        S('FTX', 'AAO', '', '', [t['err_text']]),
    ]
    return segs


def govcbr(d, t, ref):
    """Government cross-border regulatory message for the export EX26110142:
    exporter, declarant, the truck and its driver (D21A)."""
    return [
        S('BGM', ['830'], [ref], '9'),
        S('DTM', ['137', '202611241100', '203']),
        S('RFF', ['ABT', 'EX26110142']),
        party('EX', '2054321', t['exporter'], [t['exporter_street']], t['city'], '17010', 'MN'),
        party('DT', '5098713', t['broker'], city=t['city'], country='MN'),
        S('TDT', '20', '4471УБА' if t is TEXT['mn'] else '4471UBA', ['3']),
        S('DTM', ['133', '202611241400', '203']),
        S('NAD', 'DR', '', '', [t['driver']]),
        S('SEQ', '', ['1']),
        S('NAT', '2', ['MN', '', '', t['nationality']]),
        S('UNS', 'D'),
        S('HYN', '1'),
        S('UNS', 'S'),
        S('CNT', ['11', '262']),
    ]


def contrl_uci(ref, sender, recipient, action='7'):
    """The UCI of a CONTRL answering interchange ref."""
    return [S('UCI', ref, list(sender), list(recipient), action)]

# ------------------------------------------------------------------ envelope


class Message:
    def __init__(self, mtype, directory, segments, ref='1'):
        self.type, self.dir, self.segments, self.ref = mtype, directory, segments, ref

    def unh(self, version):
        if self.type == 'CONTRL':
            s009 = ['CONTRL', 'D', '3', 'UN'] if version < 4 else ['CONTRL', '4', '1', 'UN']
        else:
            s009 = [self.type, 'D', self.dir[1:], 'UN']
        return S('UNH', self.ref, s009)


class Group:
    def __init__(self, ref, messages, sender, recipient):
        self.ref, self.messages, self.sender, self.recipient = ref, messages, sender, recipient


SEP_DEFAULT = {'comp': ':', 'elem': '+', 'dec': '.', 'rel': '?', 'term': "'"}
ENCODING = {'UNOA': 'ascii', 'UNOB': 'ascii', 'UNOC': 'latin-1', 'UNOE': 'iso8859_5',
            'UNOW': 'utf-8'}


class Interchange:
    def __init__(self, ref, charset, version, una, body, sender=('MN1234567', 'ZZZ'),
                 recipient=('MNCUSTOMS', 'ZZZ'), decimal='.', when=('20261123', '1200'),
                 repetition=True):
        self.ref, self.charset, self.version, self.una = ref, charset, version, una
        self.body, self.sender, self.recipient = body, sender, recipient
        self.decimal, self.when = decimal, when
        # Syntax 4 with UNA: UNA5 is '*' (repetition separator) or, when
        # repetition is False, a space (no repetition separator, as EANCOM does).
        self.repetition = repetition

    # the separators
    def seps(self):
        if self.charset == 'UNOB' and not self.una:
            return {'comp': '\x1f', 'elem': '\x1d', 'dec': '.', 'rel': None,
                    'rep': '\x1e' if self.version >= 4 else None, 'term': '\x1c'}
        s = dict(SEP_DEFAULT, dec=self.decimal)
        s['rep'] = '*' if self.version >= 4 and (self.repetition or not self.una) else None
        return s

    def una_string(self):
        s = self.seps()
        return 'UNA' + s['comp'] + s['elem'] + s['dec'] + (s['rel'] or ' ') + (s['rep'] or ' ') + s['term']

    def date(self):
        return self.when[0][2:] if self.version < 4 else self.when[0]

    def segments(self):
        """The whole interchange as segment lists, counts computed."""
        out = []
        unb = S('UNB', [self.charset, str(self.version)], list(self.sender), list(self.recipient),
                [self.date(), self.when[1]], self.ref)
        out.append(unb)

        def message(m):
            body = [m.unh(self.version)] + m.segments
            return body + [S('UNT', str(len(body) + 1), m.ref)]
        count = 0
        for part in self.body:
            if isinstance(part, Group):
                m0 = part.messages[0]
                ung = S('UNG', m0.type, list(part.sender), list(part.recipient),
                        [self.date(), self.when[1]], part.ref, 'UN', ['D', m0.dir[1:]])
                out.append(ung)
                for m in part.messages:
                    out += message(m)
                out.append(S('UNE', str(len(part.messages)), part.ref))
            else:
                out += message(part)
            count += 1
        out.append(S('UNZ', str(count), self.ref))
        return out

    def encode(self, segments=None):
        segments = self.segments() if segments is None else segments
        s = self.seps()
        specials = [c for c in (s['comp'], s['elem'], s['rel'], s['rep'], s['term']) if c]

        def esc(v):
            if isinstance(v, Num) and s['dec'] == ',':
                v = v.replace('.', ',')
            if s['rel'] is None:
                assert not any(c in v for c in specials), v
                return v
            return ''.join(s['rel'] + ch if ch in specials else ch for ch in v)

        def element(e):
            comps = list(e) if isinstance(e, list) else [e]
            while len(comps) > 1 and comps[-1] == '':
                comps.pop()
            return s['comp'].join(esc(c) for c in comps)
        text = self.una_string() if self.una else ''
        for seg in segments:
            els = [element(e) for e in seg[1:]]
            while els and els[-1] == '':
                els.pop()
            text += s['elem'].join([seg[0]] + els) + s['term']
        return text.encode(ENCODING[self.charset])


# ------------------------------------------------------------------ the valid corpus

BANK = ('MNKHANBANK', 'ZZZ')
CUSTOMS = ('MNCUSTOMS', 'ZZZ')
TRADER = ('MN1234567', 'ZZZ')          # the customs broker Ölzii Tüshig, for Mongol Impex
EXPORTER = ('MN7654321', 'ZZZ')        # Mongol Export
FORWARDER = ('MN6044321', 'ZZZ')
RAIL_CARRIER = ('RU3808123456', 'ZZZ')

# (message, directory, syntax version, charset, UNA?, variant, texts, sender, recipient)
VALID = [
    ('CUSDEC', 'D96B', 3, 'UNOC', True, None, 'latin', TRADER, CUSTOMS),
    ('CUSRES', 'D96B', 3, 'UNOA', False, None, 'upper', CUSTOMS, TRADER),
    ('CUSCAR', 'D96B', 3, 'UNOE', True, None, 'ru', RAIL_CARRIER, CUSTOMS),
    ('IFTMIN', 'D96B', 3, 'UNOB', False, None, 'ascii', FORWARDER, CUSTOMS),
    ('PAYMUL', 'D96B', 4, 'UNOC', False, None, 'latin', BANK, CUSTOMS),
    ('FINSTA', 'D96B', 3, 'UNOC', True, 'decimal-comma', 'latin', BANK, CUSTOMS),
    ('BANSTA', 'D96B', 4, 'UNOW', True, 'no-repetition', 'mn', BANK, CUSTOMS),
    ('CREMUL', 'D96B', 3, 'UNOC', False, None, 'latin', BANK, CUSTOMS),
    ('APERAK', 'D96B', 4, 'UNOC', True, 'release', 'latin', CUSTOMS, TRADER),
    ('CUSDEC', 'D01B', 3, 'UNOC', True, 'two-messages', 'latin', TRADER, CUSTOMS),
    ('CUSRES', 'D01B', 4, 'UNOW', False, None, 'mn', CUSTOMS, TRADER),
    ('CUSCAR', 'D01B', 3, 'UNOC', True, 'group', 'latin', FORWARDER, CUSTOMS),
    ('IFTMIN', 'D01B', 4, 'UNOW', True, 'no-repetition', 'mn', FORWARDER, CUSTOMS),
    ('PAYMUL', 'D01B', 3, 'UNOC', True, None, 'latin', BANK, CUSTOMS),
    ('FINSTA', 'D01B', 4, 'UNOW', False, None, 'mn', BANK, CUSTOMS),
    ('BANSTA', 'D01B', 3, 'UNOC', False, None, 'latin', BANK, CUSTOMS),
    ('CREMUL', 'D01B', 4, 'UNOC', True, 'no-repetition', 'latin', BANK, CUSTOMS),
    ('APERAK', 'D01B', 3, 'UNOC', False, None, 'latin', CUSTOMS, TRADER),
    ('CUSDEC', 'D21A', 4, 'UNOW', True, None, 'mn', EXPORTER, CUSTOMS),
    ('CUSRES', 'D21A', 4, 'UNOW', False, None, 'mn', CUSTOMS, EXPORTER),
    ('CUSCAR', 'D21A', 4, 'UNOC', True, None, 'latin', FORWARDER, CUSTOMS),
    ('IFTMIN', 'D21A', 3, 'UNOC', False, None, 'latin', FORWARDER, CUSTOMS),
    ('PAYMUL', 'D21A', 4, 'UNOW', True, None, 'mn', BANK, CUSTOMS),
    ('FINSTA', 'D21A', 4, 'UNOC', False, None, 'latin', BANK, CUSTOMS),
    ('BANSTA', 'D21A', 3, 'UNOC', True, None, 'latin', BANK, CUSTOMS),
    ('CREMUL', 'D21A', 4, 'UNOW', True, 'group', 'mn', BANK, CUSTOMS),
    ('APERAK', 'D21A', 4, 'UNOW', False, None, 'mn', CUSTOMS, TRADER),
    ('GOVCBR', 'D21A', 4, 'UNOW', True, None, 'mn', EXPORTER, CUSTOMS),
]

# Release characters needed for ' + : ? and, in syntax 4, the repetition separator *.
RELEASE_TEXT = "Feld 'Name+Zusatz:Ort' in NAD? Bitte *vor* dem Versand prüfen"


def message_segments(mtype, d, t, variant):
    if mtype == 'CUSDEC':
        if d == 'D21A':
            return cusdec_export(d, t, 'EX26110142')
        if variant == 'two-messages':
            return cusdec_import(d, t, 'IM26110002', PARTS_ITEMS, invoice='INV-2026-0833')
        return cusdec_import(d, t, 'IM26110001')
    if mtype == 'CUSRES':
        outcome = {'D96B': 'assessed', 'D01B': 'rejected', 'D21A': 'released'}[d]
        decl = {'D96B': 'IM26110001', 'D01B': 'IM26110002', 'D21A': 'EX26110142'}[d]
        return cusres(d, t, 'RS' + decl[2:], decl, outcome)
    if mtype == 'CUSCAR':
        return cuscar_rail(d, t, 'CR-ER-118734') if d == 'D96B' else cuscar_road(d, t, 'CR-EH-5531')
    if mtype == 'APERAK':
        return aperak(d, t, 'AK26110002', RELEASE_TEXT if variant == 'release' else None)
    builder = {'IFTMIN': iftmin, 'PAYMUL': paymul, 'FINSTA': finsta, 'BANSTA': bansta,
               'CREMUL': cremul, 'GOVCBR': govcbr}[mtype]
    ref = {'IFTMIN': 'TT-2026-0412', 'PAYMUL': 'PM-2026-1123-01', 'FINSTA': 'ST-2026-327',
           'BANSTA': 'BS-2026-1123-01', 'CREMUL': 'CR-2026-1123-77', 'GOVCBR': 'GV26110142'}[mtype]
    return builder(d, t, ref)


def valid_name(mtype, d, version, cs, una, variant):
    return '%s-%s-v%d-%s%s%s.edi' % (mtype.lower(), d, version, cs, '-una' if una else '',
                                   '-' + variant if variant else '')


def build_valid(index, spec):
    mtype, d, version, cs, una, variant, lang, sender, recipient = spec
    t = TEXT[lang]
    msgs = [Message(mtype, d, message_segments(mtype, d, t, variant), 'M1')]
    if variant == 'two-messages':
        msgs.append(Message(mtype, d, cusdec_import(d, t, 'IM26110003', WINE_ITEMS, 'seller2',
                                                    'FAC-2026-7781'), 'M2'))
    body = [Group('G%04d' % index, msgs, sender, recipient)] if variant == 'group' else msgs
    ich = Interchange('KV%04d' % index, cs, version, una, body, sender, recipient,
                      decimal=',' if variant == 'decimal-comma' else '.',
                      repetition=variant != 'no-repetition')
    return valid_name(mtype, d, version, cs, una, variant), ich

# ------------------------------------------------------------------ the broken corpus
# Each case takes a copy of a valid interchange (with its own interchange
# reference, so that duplicate detection does not link files), applies one
# defect and returns the bytes and the place of the expected error.  Segment
# positions count from UNH = 1; element positions from the first data element
# after the tag.


def first_message(ich):
    part = ich.body[0]
    return part.messages[0] if isinstance(part, Group) else part


def find(segs, tag, nth=1, pred=None):
    """Index (0-based) of the nth segment with this tag in a message body."""
    hits = [i for i, s in enumerate(segs) if s[0] == tag and (pred is None or pred(s))]
    return hits[nth - 1]


def pos(i):
    """Message segment position of body index i (UNH is 1)."""
    return i + 2


def replace_bytes(data, old, new):
    assert data.count(old) == 1, (old, data.count(old))
    return data.replace(old, new)


def c_version_unknown(ich):
    segs = ich.segments()
    segs[0][1] = ['UNOC', '7']
    return ich.encode(segs), dict(element=1, component=2)


def c_identifier_unknown(ich):
    segs = ich.segments()
    segs[0][1] = ['UNOQ', '3']
    return ich.encode(segs), dict(element=1, component=1)


def c_identifier_too_short(ich):
    segs = ich.segments()
    segs[0][1] = ['UNO', '3']
    return ich.encode(segs), dict(element=1, component=1)


def c_unb_date(ich):
    segs = ich.segments()
    segs[0][4] = ['20261341', '1200']
    return ich.encode(segs), dict(element=4, component=1)


def c_invalid_code(ich):
    m = first_message(ich)
    i = find(m.segments, 'RFF')
    m.segments[i] = S('RFF', ['ZZQ', 'MN1234567'])
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=1)


def c_missing_segment(ich):
    m = first_message(ich)
    i = find(m.segments, 'DTM')
    assert m.segments[i - 1][0] == 'BGM'
    del m.segments[i]
    return ich.encode(), dict(message=1, segment=pos(i - 1))


def c_missing_element(ich):
    m = first_message(ich)
    i = find(m.segments, 'NAD', pred=lambda s: s[1] == 'OY')
    m.segments[i][1] = ''
    return ich.encode(), dict(message=1, segment=pos(i), element=1)


def c_missing_component(ich):
    m = first_message(ich)
    i = find(m.segments, 'DTM', pred=lambda s: s[1][0] == '209')
    m.segments[i][1][0] = ''
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=1)


def c_unknown_segment(ich):
    m = first_message(ich)
    i = find(m.segments, 'BGM') + 1
    m.segments.insert(i, S('XYZ', '1'))
    return ich.encode(), dict(message=1, segment=pos(i))


def c_out_of_position(ich):
    m = first_message(ich)
    m.segments.append(S('TDT', '11', 'ZU4411', ['2']))
    return ich.encode(), dict(message=1, segment=pos(len(m.segments) - 1))


def c_too_many_elements(ich):
    m = first_message(ich)
    i = find(m.segments, 'DTM')
    m.segments[i].append('1')
    return ich.encode(), dict(message=1, segment=pos(i), element=2)


def c_too_many_components(ich):
    m = first_message(ich)
    i = find(m.segments, 'DTM')
    m.segments[i][1].append('1')
    return ich.encode(), dict(message=1, segment=pos(i), element=1)


def c_decimal_notation(ich):
    m = first_message(ich)
    i = find(m.segments, 'MOA')
    m.segments[i][1][1] = Num('152143.625.90')
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=2)


def c_una_twice(ich):
    data = ich.encode()
    assert data.startswith(b"UNA:+.? '")
    return b"UNA::.? '" + data[9:], {}


def c_unoa_lower_case(ich):
    m = first_message(ich)
    i = find(m.segments, 'FTX')
    m.segments[i][4] = ['Declaration accepted, channel green']
    return ich.encode(), dict(message=1, segment=pos(i), element=4, component=1)


def c_unoc_c1_byte(ich):
    m = first_message(ich)
    i = find(m.segments, 'NAD', pred=lambda s: s[1] == 'CZ')
    data = replace_bytes(ich.encode(), 'Müller'.encode('latin-1'), b'M\x85ller')
    return data, dict(message=1, segment=pos(i), element=4, component=1)


def c_unoe_utf8(ich):
    m = first_message(ich)
    i = find(m.segments, 'NAD', pred=lambda s: s[1] == 'CN')
    data = replace_bytes(ich.encode(), TEXT['ru']['trader'].encode('iso8859_5'),
                         TEXT['mn']['trader'].encode('utf-8'))
    return data, dict(message=1, segment=pos(i), element=4, component=1)


def c_duplicate(ich):
    data = ich.encode()
    return data + data, {}


def c_unt_reference(ich):
    segs = ich.segments()
    unt = [s for s in segs if s[0] == 'UNT'][0]
    unt[2] = 'M9'
    return ich.encode(segs), dict(message=1)


def c_unt_count(ich):
    segs = ich.segments()
    unt = [s for s in segs if s[0] == 'UNT'][0]
    unt[1] = str(int(unt[1]) + 1)
    return ich.encode(segs), dict(message=1)


def c_unz_reference(ich):
    segs = ich.segments()
    segs[-1][2] = ich.ref + 'X'
    return ich.encode(segs), {}


def c_unz_count(ich):
    segs = ich.segments()
    segs[-1][1] = str(int(segs[-1][1]) - 1)
    return ich.encode(segs), {}


def c_une_reference(ich):
    segs = ich.segments()
    une = [s for s in segs if s[0] == 'UNE'][0]
    une[2] = une[2] + 'X'
    return ich.encode(segs), {}


def c_une_count(ich):
    segs = ich.segments()
    une = [s for s in segs if s[0] == 'UNE'][0]
    une[1] = '2'
    return ich.encode(segs), {}


def c_mixed(ich):
    loose = Message('CREMUL', 'D21A', cremul('D21A', TEXT['mn'], 'CR-2026-1123-78'), 'M2')
    ich.body.append(loose)
    return ich.encode(), {}


def c_empty(ich):
    ich.body = []
    return ich.encode(), {}


def c_segment_repetitions(ich):
    m = first_message(ich)
    i = find(m.segments, 'DTM')
    extra = [S('DTM', ['137', '2026112310%02d' % (21 + k), '203']) for k in range(9)]
    m.segments[i + 1:i + 1] = extra
    return ich.encode(), dict(message=1, segment=pos(i + 9))


def c_group_repetitions(ich):
    m = first_message(ich)
    i = find(m.segments, 'RFF')
    m.segments.insert(i + 1, S('RFF', ['ACK', 'ST-2026-327']))
    return ich.encode(), dict(message=1, segment=pos(i + 1))


def c_type_numeric(ich):
    m = first_message(ich)
    i = find(m.segments, 'MOA')
    m.segments[i][1][1] = Num(IMPORT_TOTAL.replace('0', 'O', 1))
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=2)


def c_type_alphabetic(ich):
    m = first_message(ich)
    i = find(m.segments, 'NAT')
    m.segments[i][2][3] += '1'
    return ich.encode(), dict(message=1, segment=pos(i), element=2, component=4)


def c_missing_digit(ich):
    m = first_message(ich)
    i = find(m.segments, 'MOA')
    m.segments[i][1][1] = Num('.90')
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=2)


def c_too_long(ich):
    m = first_message(ich)
    i = find(m.segments, 'RFF')
    m.segments[i][1][1] = 'PM-2026-1123-01/KHAN-BANK-UB-BRANCH7'   # 36 characters, an..35
    assert len(m.segments[i][1][1]) == 36
    return ich.encode(), dict(message=1, segment=pos(i), element=1, component=2)


def c_too_short(ich):
    m = first_message(ich)
    i = find(m.segments, 'DGS')
    m.segments[i][3][0] = '120'                                      # UN number, n4
    return ich.encode(), dict(message=1, segment=pos(i), element=3, component=1)


def c_trailing_separator(ich):
    m = first_message(ich)
    i = find(m.segments, 'BGM')
    data = replace_bytes(ich.encode(), b"+9+AP'", b"+9+AP+'")
    return data, dict(message=1, segment=pos(i), element=5)


def c_truncated(ich):
    segs = ich.segments()
    return ich.encode(segs[:-1]), {}


def c_unknown_directory(ich):
    segs = ich.segments()
    unh = [s for s in segs if s[0] == 'UNH'][0]
    unh[2][2] = '03A'
    return ich.encode(segs), dict(message=1)


def c_contrl(ich):
    """A CONTRL (syntax 3) answering the import declaration KV0001, whose UCI
    lacks the mandatory action code 0083."""
    ich.body = [Message('CONTRL', None, contrl_uci('KV0001', TRADER, CUSTOMS, action=''), 'C1')]
    return ich.encode(), dict(message=1, segment=2, element=4)


# (file, derived from, defect, code, level, build, note)
BROKEN = [
    ('syntax-version-unknown', 'cusdec-D96B-v3-UNOC-una', 'UNB syntax version 7 (UNOC:7)',
     2, 'interchange', c_version_unknown, ''),
    ('syntax-identifier-unknown', 'paymul-D01B-v3-UNOC-una', 'UNB syntax identifier UNOQ',
     2, 'interchange', c_identifier_unknown,
     'UNOQ is not in code list 0001. Code 2 (syntax version or level not supported) names the '
     'syntax level, i.e. the character repertoire; 46 (character set not supported) would be '
     'the alternative in syntax 4.'),
    ('unb-element-too-short', 'cusres-D96B-v3-UNOA', 'UNB syntax identifier "UNO" (0001 is a4)',
     40, 'interchange', c_identifier_too_short,
     'The length check comes before the code check: 40, not 2.'),
    ('unb-invalid-date', 'paymul-D96B-v4-UNOC', 'UNB date 20261341 (month 13)',
     12, 'interchange', c_unb_date, ''),
    ('una-separator-twice', 'cusdec-D96B-v3-UNOC-una', "UNA::.? ' (':' is both component and "
     'element separator)', 20, 'interchange', c_una_twice, ''),
    ('invalid-code-value', 'cusdec-D96B-v3-UNOC-una', 'RFF+ZZQ: ZZQ is not in code list 1153',
     12, 'element', c_invalid_code, ''),
    ('missing-mandatory-segment', 'finsta-D21A-v4-UNOC', 'DTM after BGM (M1) left out',
     13, 'segment', c_missing_segment,
     'ISO 9735 (0096): a missing segment is reported at the position of the last segment '
     'processed before it, here BGM.'),
    ('missing-mandatory-element', 'paymul-D01B-v3-UNOC-una', 'NAD without party qualifier 3035',
     13, 'element', c_missing_element, ''),
    ('missing-mandatory-component', 'cremul-D96B-v3-UNOC', 'DTM+:20261123:102 (2005 missing)',
     13, 'element', c_missing_component, ''),
    ('unknown-segment', 'cusres-D21A-v4-UNOW', 'segment XYZ+1 after BGM',
     15, 'segment', c_unknown_segment, ''),
    ('segment-out-of-position', 'cusres-D96B-v3-UNOA', 'TDT (header segment) after the duty '
     'section', 15, 'segment', c_out_of_position, ''),
    ('too-many-data-elements', 'aperak-D01B-v3-UNOC', 'DTM with a second data element',
     16, 'element', c_too_many_elements,
     'Reported at the first surplus data element (UCS + UCD 16 with its position), the most '
     'specific place; a segment-level report (UCS 16 alone) would also be defensible.'),
    ('too-many-components', 'aperak-D21A-v4-UNOW', 'DTM C507 with a fourth component',
     16, 'element', c_too_many_components, ''),
    ('invalid-decimal-notation', 'paymul-D96B-v4-UNOC', 'MOA amount 152143.625.90',
     19, 'element', c_decimal_notation, ''),
    ('invalid-character-unoa-lower-case', 'cusres-D96B-v3-UNOA', 'lower case text in a UNOA '
     'interchange', 21, 'element', c_unoa_lower_case, ''),
    ('invalid-character-unoc-0x85', 'cusdec-D96B-v3-UNOC-una', 'byte 0x85 (a C1 control, not '
     'ISO 8859-1 graphic) in a name', 21, 'element', c_unoc_c1_byte, ''),
    ('invalid-character-unoe-utf8', 'cuscar-D96B-v3-UNOE-una', 'consignee name written in UTF-8 '
     'in a UNOE (ISO 8859-5) interchange', 21, 'element', c_unoe_utf8,
     'The UTF-8 bytes of Cyrillic letters include 0x80-0x9F, which are not graphic characters '
     'of ISO 8859-5.'),
    ('duplicate-interchange', 'iftmin-D21A-v3-UNOC', 'the same interchange twice (same sender, '
     'recipient and reference)', 26, 'interchange', c_duplicate,
     'The error belongs to the second interchange of the file; the first one is valid.'),
    ('unt-reference-mismatch', 'bansta-D01B-v3-UNOC', 'UNT 0062 M9, UNH 0062 M1',
     28, 'message', c_unt_reference, ''),
    ('unz-reference-mismatch', 'cremul-D01B-v4-UNOC-una-no-repetition', 'UNZ 0020 differs from UNB 0020',
     28, 'interchange', c_unz_reference, ''),
    ('une-reference-mismatch', 'cuscar-D01B-v3-UNOC-una-group', 'UNE 0048 differs from UNG 0048',
     28, 'group', c_une_reference, ''),
    ('unt-count-wrong', 'cusdec-D21A-v4-UNOW-una', 'UNT 0074 one more than the segments',
     29, 'message', c_unt_count, ''),
    ('une-count-wrong', 'cremul-D21A-v4-UNOW-una-group', 'UNE 0060 = 2 for one message',
     29, 'group', c_une_count, ''),
    ('unz-count-wrong', 'cusdec-D01B-v3-UNOC-una-two-messages', 'UNZ 0036 = 1 for two messages',
     29, 'interchange', c_unz_count, ''),
    ('groups-and-messages-mixed', 'cremul-D21A-v4-UNOW-una-group', 'a second CREMUL after UNE, '
     'outside any group', 30, 'interchange', c_mixed,
     'UNZ 0036 is 2 (the group and the loose message); an engine may also report 29 for it, '
     'the corpus expects only 30.'),
    ('empty-interchange', 'bansta-D21A-v3-UNOC-una', 'UNB directly followed by UNZ+0',
     32, 'interchange', c_empty, ''),
    ('too-many-segment-repetitions', 'aperak-D21A-v4-UNOW', 'ten DTM in the header (max 9)',
     35, 'segment', c_segment_repetitions, 'Reported at the tenth DTM.'),
    ('too-many-group-repetitions', 'finsta-D01B-v4-UNOW', 'two SG1 (RFF) groups (max 1)',
     36, 'segment', c_group_repetitions, 'Reported at the trigger segment of the surplus group.'),
    ('invalid-type-numeric', 'bansta-D96B-v4-UNOW-una-no-repetition', 'letter O for a zero in MOA 5004 (n..18)',
     37, 'element', c_type_numeric, ''),
    ('invalid-type-alphabetic', 'govcbr-D21A-v4-UNOW-una', 'a digit in NAT 3292 nationality '
     '(a..35, the only a element of D21A)', 37, 'element', c_type_alphabetic, ''),
    ('missing-digit-before-decimal', 'cremul-D01B-v4-UNOC-una-no-repetition', 'MOA amount .90',
     38, 'element', c_missing_digit, ''),
    ('data-element-too-long', 'paymul-D96B-v4-UNOC', 'RFF 1154 of 36 characters (an..35)',
     39, 'element', c_too_long, ''),
    ('data-element-too-short', 'cuscar-D96B-v3-UNOE-una', 'DGS UN number 7124 "120" (n4 in '
     'D96B)', 40, 'element', c_too_short, ''),
    ('trailing-separator', 'cusres-D21A-v4-UNOW', "BGM+962+RS26110142+9+AP+' (syntax 4)",
     45, 'element', c_trailing_separator,
     'Code 45 exists in syntax version 4 only; reported at the empty element the separator '
     'opens (element 5).'),
    ('truncated-no-unz', 'cusdec-D21A-v4-UNOW-una', 'the file ends after UNT (no UNZ)',
     13, 'interchange', c_truncated, ''),
    ('unknown-directory-version', 'cusdec-D21A-v4-UNOW-una', 'UNH CUSDEC:D:03A:UN, a directory '
     'Khaalga does not have', 3, 'message', c_unknown_directory,
     'Unsure: 3 (message version/release not supported) is in the syntax 4 list of 0085 (and '
     "in D96B's syntax 3 list, not in D01B's), so the message is in a syntax 4 interchange. "
     'No structure check can follow.'),
    ('contrl-broken', 'cusdec-D96B-v3-UNOC-una', 'a CONTRL whose UCI lacks the action code 0083',
     13, 'element', c_contrl,
     'No CONTRL may be sent in reply to a CONTRL (sidecar line no-contrl). Built as the answer '
     'to cusdec-D96B-v3-UNOC-una.edi rather than derived from a valid file.'),
]

PLACE_FIELDS = ('message', 'segment', 'element', 'component', 'repetition')


def expect_line(code, level, place):
    return 'error code=%d level=%s' % (code, level) + ''.join(
        ' %s=%d' % (f, place[f]) for f in PLACE_FIELDS if place.get(f) is not None)


def build_broken(valid_specs):
    import copy
    rows = []
    for n, (name, base, defect, code, level, build, note) in enumerate(BROKEN, 1):
        ich = copy.deepcopy(valid_specs[base + '.edi'])
        ich.ref = 'KB%04d' % n
        for part in ich.body:
            if isinstance(part, Group):
                part.ref = 'GB%04d' % n
        if build is c_contrl:
            ich.sender, ich.recipient = CUSTOMS, TRADER
        data, place = build(ich)
        lines = ['exit 1', expect_line(code, level, place)]
        if build is c_contrl:
            lines.append('no-contrl')
        write(os.path.join(BROKEN_DIR, name + '.edi'), data)
        write(os.path.join(BROKEN_DIR, name + '.expect'), ('\n'.join(lines) + '\n').encode())
        rows.append((name, base, defect, code, level, place, note))
    return rows


BROKEN_README_HEAD = """\
# Broken EDIFACT interchanges

Each `NAME.edi` here is a valid interchange of `../valid/` (or, for the CONTRL, a
CONTRL answering one) with exactly one defect; `NAME.expect` says what Khaalga
must answer:

    exit 1
    error code=<0085> level=<interchange|group|message|segment|element> [message=<n>] [segment=<n>] [element=<n>] [component=<n>] [repetition=<n>]
    no-contrl            (only for the CONTRL: no CONTRL is sent in reply to a CONTRL)

The fields given must match the error reported; fields not given do not apply to
that error.  Places: `message` is the 1-based message in the interchange,
`segment` the position in the message with UNH = 1, `element` the data element
position after the tag starting at 1 (CONTRL's 0098 counts the tag as 1, so
0098 = element + 1), `component` the 1-based component.  Errors in UNB/UNZ are
reported at interchange level (UCI; with element and component for UNB values),
in UNG/UNE at group level (UCF), in UNH/UNT at message level (UCM).  A missing segment
is reported at the position of the last segment processed before it (ISO 9735,
data element 0096).  Every file has its own interchange control reference
(`KBnnnn`) so that duplicate detection does not fire between files; only
`duplicate-interchange.edi` repeats one on purpose.

Generated by `../tools/gen_corpus.py`; checked by `../tools/check_corpus.py`,
which must find exactly the error of each sidecar.

| file | derived from | defect | code | level | place |
|---|---|---|---|---|---|
"""

BROKEN_README_TAIL = """
## Cases where the ISO 9735 code is a choice

The codes come from the 0085 list of `mappings/edifact/D96B/service_codes_v4.xml`.
Where ISO 9735 leaves room, the most specific code was chosen:

- **Unknown syntax identifier (UNOQ)**: 2 (syntax version or level not supported),
  because the identifier names the syntax level; 46 (character set not supported)
  is the alternative in syntax 4.  "UNO" (too short) gives 40, the length check
  coming first.
- **Too many data elements**: 16 at element level at the first surplus data
  element (UCS + UCD); ISO 9735 would also allow UCS 16 alone.  Too many
  components: 16 at element level, at the composite (UCS + UCD).
- **Trailing separator**: 45 at element level, at the empty element the separator
  opens; syntax version 4 only (in syntax 3 it is not an error and not a 0085
  code).
- **Unknown directory version (D:03A)**: 3 (message version/release not
  supported), at message level.  Code 3 is in the syntax 4 list; the file is a
  syntax 4 interchange.  Unsure whether an engine should rather report 12 on UNH
  S009 0054.
- **Truncated file (no UNZ)**: 13 (missing) at interchange level.
- **Groups and messages mixed**: 30; the UNZ count (2) counts the group and the
  loose message, and no 29 is expected.
- **Invalid UNB date**: 12 (invalid value) on UNB element 4 component 1.
- **Test indicator (25)** is not covered: there is no unambiguous way to provoke
  it from the data alone.
- **Repetition separator**: no data element of the directories here is defined
  as repeatable (segments.xml has no repetition count), so no valid file uses
  `*` as a repetition separator; syntax 4 files escape a literal `*` as `?*`
  (see `../valid/aperak-D96B-v4-UNOC-una-release.edi`).
"""


def write_broken_readme(rows):
    out = BROKEN_README_HEAD
    for name, base, defect, code, level, place, note in rows:
        where = ', '.join('%s %d' % (f, place[f]) for f in PLACE_FIELDS if place.get(f) is not None)
        defect_md = defect.replace('|', '\\|')
        if note:
            defect_md += ' — ' + note.replace('|', '\\|')
        out += '| `%s.edi` | `%s.edi` | %s | %d | %s | %s |\n' % (
            name, base, defect_md, code, level, where or '—')
    out += BROKEN_README_TAIL
    write(os.path.join(BROKEN_DIR, 'README.md'), out.encode('utf-8'))

CORPUS_README_HEAD = """\
# EDIFACT test corpus

- `valid/`: interchanges that must pass `khaalga check` (exit 0), one or more for
  every message of the directories D96B, D01B and D21A that Khaalga ships
  (CUSDEC, CUSRES, CUSCAR, IFTMIN, PAYMUL, FINSTA, BANSTA, CREMUL, APERAK, and
  GOVCBR in D21A).
- `broken/`: one defect per file, with the expected verdict in `NAME.expect`;
  see `broken/README.md`.
- `tools/gen_corpus.py` writes both directories and `examples/edifact/`
  (deterministic; run it again after changing it); `tools/check_corpus.py`
  checks every file independently against `mappings/edifact/` and prints where
  each segment was placed with `--trace`.
- `hand/`: cases written by hand (CONTRL interchanges, codes 25 and 33); the
  generator leaves them alone; see `hand/README.md`.

File names: `<message>-<directory>-v<syntax version>-<charset>[-una][-variant].edi`.
The bytes are exactly the interchange: no line breaks between segments.  Each
interchange has its own control reference (`KVnnnn` valid, `KBnnnn` broken,
`KXnnnn` examples), so duplicate detection never links two files.

The texts follow a few connected cases: import declaration IM26110001 (used
excavators from Munich by rail through Zamyn-Üüd, duty 5 % and VAT 10 % in MNT),
the customs response, and its payment through Khan Bank (PAYMUL, BANSTA, CREMUL,
FINSTA: 152 143 625.90 MNT); export declaration EX26110142 (cashmere to Erenhot
by road, CUSDEC and GOVCBR); cargo reports for diesel fuel by rail from Irkutsk
(Russian, ISO 8859-5) and solar panels by truck from Erenhot (CUSCAR, IFTMIN).

| file | syntax | charset | UNA | what else it covers |
|---|---|---|---|---|
"""

VARIANT_TEXT = {
    None: '',
    'two-messages': 'two messages in one interchange',
    'group': 'a functional group (UNG/UNE)',
    'decimal-comma': "decimal comma (UNA:+,? ')",
    'release': "release character before ' + : ? and * in a value",
    'no-repetition': "syntax 4 UNA with a space in position 5 (no repetition separator)",
}

CHARSET_TEXT = {'UNOA': 'UNOA (upper case)', 'UNOB': 'UNOB (IS1/IS3/IS4 separators, no release)',
                'UNOC': 'UNOC (ISO 8859-1)', 'UNOE': 'UNOE (ISO 8859-5, Russian)',
                'UNOW': 'UNOW (UTF-8, Mongolian)'}


def write_corpus_readme():
    out = CORPUS_README_HEAD
    for spec in VALID:
        mtype, d, version, cs, una, variant = spec[:6]
        una_text = ('`UNA:+,? \'`' if variant == 'decimal-comma' else
                    "`UNA:+.? '`" if version < 4 or variant == 'no-repetition' else
                    "`UNA:+.?*'`") if una else 'no'
        out += '| `%s` | %d | %s | %s | %s |\n' % (valid_name(*spec[:6]), version,
                                                CHARSET_TEXT[cs], una_text, VARIANT_TEXT[variant])
    out += """
No file uses the syntax 4 repetition separator between repetitions of a data
element: no data element of the directory data here is defined as repeatable
(segments.xml carries no repetition count).  UNOW is not in the (older) 0001
code list of `service_codes_v4.xml`; it is the syntax 4 identifier of UTF-8 and
Khaalga supports it, so the checker accepts it with syntax version 4 only.
"""
    write(os.path.join(TOP, 'tests', 'corpus', 'edifact', 'README.md'), out.encode('utf-8'))

# ------------------------------------------------------------------ examples

def build_examples():
    """The sample interchanges of examples/edifact/ (references KXnnnn)."""
    lat, mn = TEXT['latin'], TEXT['mn']
    ex = []
    ex.append(('cusdec-import-D96B.edi', Interchange(
        'KX0001', 'UNOC', 3, True,
        [Message('CUSDEC', 'D96B', cusdec_import('D96B', lat, 'IM26110001'), '1')], TRADER, CUSTOMS)))
    ex.append(('cusdec-export-D21A.edi', Interchange(
        'KX0002', 'UNOW', 4, True,
        [Message('CUSDEC', 'D21A', cusdec_export('D21A', mn, 'EX26110142'), '1')], EXPORTER, CUSTOMS)))
    ex.append(('cusres-D96B.edi', Interchange(
        'KX0003', 'UNOC', 3, True,
        [Message('CUSRES', 'D96B', cusres('D96B', lat, 'RS26110001', 'IM26110001', 'assessed'), '1')],
        CUSTOMS, TRADER)))
    ex.append(('cuscar-from-erenhot-D01B.edi', Interchange(
        'KX0004', 'UNOC', 3, True,
        [Message('CUSCAR', 'D01B', cuscar_road('D01B', lat, 'CR-EH-5531',
                                               ('CNERLCUSTOMS', 'Erenhot Customs District')), '1')],
        ('CNERLCUSTOMS', 'ZZZ'), CUSTOMS)))
    ex.append(('finsta-duties-D01B.edi', Interchange(
        'KX0005', 'UNOC', 4, False,
        [Message('FINSTA', 'D01B', finsta('D01B', lat, 'ST-2026-327'), '1')], BANK, CUSTOMS)))
    # The broken declaration: three defects that show three kinds of report.
    segs = cusdec_import('D96B', lat, 'IM26110004', PARTS_ITEMS, invoice='INV-2026-0840')
    i_nad = find(segs, 'NAD', pred=lambda s: s[1] == 'IM')
    segs[i_nad][1] = 'XX'                                      # 12: not a party qualifier
    i_moa = find(segs, 'MOA', pred=lambda s: s[1][0] == '40')
    segs[i_moa][1][1] = Num(segs[i_moa][1][1].replace('0', 'O', 1))   # 37: letter in n
    del segs[find(segs, 'UNS', nth=2)]                         # 13: second UNS missing
    broken = Interchange('KX0006', 'UNOC', 3, True, [Message('CUSDEC', 'D96B', segs, '1')],
                         TRADER, CUSTOMS)
    ex.append(('cusdec-import-D96B-broken.edi', broken))
    expect = ['exit 1',
              expect_line(12, 'element', dict(message=1, segment=pos(i_nad), element=1)),
              expect_line(37, 'element', dict(message=1, segment=pos(i_moa), element=1, component=2)),
              expect_line(13, 'segment', dict(message=1, segment=pos(find(segs, 'CNT') - 1)))]
    return ex, expect

# ------------------------------------------------------------------ writing


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def clean(directory, suffixes):
    if os.path.isdir(directory):
        for f in os.listdir(directory):
            if f.endswith(suffixes):
                os.remove(os.path.join(directory, f))


def main():
    clean(VALID_DIR, ('.edi',))
    clean(BROKEN_DIR, ('.edi', '.expect'))
    clean(EXAMPLES_DIR, ('.edi', '.expect'))
    valid = {}
    for i, spec in enumerate(VALID, 1):
        name, ich = build_valid(i, spec)
        valid[name] = ich
        write(os.path.join(VALID_DIR, name), ich.encode())
    rows = build_broken(valid)
    write_broken_readme(rows)
    write_corpus_readme()
    examples, expect = build_examples()
    for name, ich in examples:
        write(os.path.join(EXAMPLES_DIR, name), ich.encode())
    write(os.path.join(EXAMPLES_DIR, 'cusdec-import-D96B-broken.expect'),
          ('\n'.join(expect) + '\n').encode())
    print('%d valid, %d broken, %d example interchanges written' % (len(valid), len(rows), len(examples)))


if __name__ == '__main__':
    main()
