#!/usr/bin/env python3
"""check_corpus.py - an independent checker for Khaalga's EDIFACT test corpus.

It reads the directory data in mappings/edifact/ (segments.xml, codes.xml,
messages/*.xml, Service_V3/, Service_V4/, service_codes_v*.xml) and checks
every interchange of the corpus against it, without sharing any code with
the generator (gen_corpus.py) or with the C engine:

  * valid/*.edi and the examples (except *-broken.edi) must have no error;
  * every broken/*.edi must have exactly the errors listed in its .expect
    sidecar (code, level and the place fields given there), no more;
  * interchange control references (sender + reference) must be unique across
    the whole corpus, except for the file that tests duplicate detection.

What it checks: UNA and separators (release character, UNOB information
separators, repetition separator in syntax 4), character repertoires (UNOA,
UNOB, UNOC, UNOE, UNOW), envelopes (UNB/UNZ, UNG/UNE, UNH/UNT: references,
control counts, mixing, empty levels, truncation, duplicates), UNB values
(syntax identifier, version, date and time), message structure against
messages/<msg>.xml (order, groups, mandatory, repetitions), and every data
element (mandatory, too many constituents, type a/an/n, decimal notation,
length, code values for every data element that has a list in codes.xml).

Error places follow tests/corpus/edifact/broken/README.md: element positions
count data elements after the tag from 1; a missing segment is reported at
the position of the last segment processed before it (ISO 9735 0096).

Python 3 standard library only.  Usage:
    check_corpus.py [-v] [--trace] [FILE.edi ...]   (default: the whole corpus)
--trace prints where each segment was placed in the message structure.
Exit status 0 when everything is as expected, 1 otherwise.
"""

import os
import re
import sys
import datetime
import xml.etree.ElementTree as ET

TRACE = False
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..'))
MAPPINGS = os.path.join(TOP, 'mappings', 'edifact')
CORPUS = os.path.join(TOP, 'tests', 'corpus', 'edifact')
EXAMPLES = os.path.join(TOP, 'examples', 'edifact')

# --------------------------------------------------------------- directory data


def _element_def(e):
    return {'id': e.get('id'), 'required': e.get('required') == 'true',
            'type': e.get('type'),
            'max': int(e.get('maxlength')) if e.get('maxlength') else None,
            'len': int(e.get('length')) if e.get('length') else None}


def load_segments(path):
    """tag -> list of ('s', def) or ('c', id, required, [defs])."""
    segs = {}
    for s in ET.parse(path).getroot():
        elems = []
        for e in s:
            if e.tag == 'composite_data_element':
                elems.append(('c', e.get('id'), e.get('required') == 'true',
                              [_element_def(c) for c in e]))
            else:
                elems.append(('s', _element_def(e)))
        segs[s.get('id')] = elems
    return segs


def load_message(path):
    def node(n):
        kids = [node(c) for c in n if c.tag in ('segment', 'group')]
        return {'kind': n.tag, 'id': n.get('id'),
                'req': n.get('required') == 'true',
                'max': int(n.get('maxrepeat') or 1), 'children': kids}
    root = ET.parse(path).getroot()
    return {'kind': 'message', 'id': 'message', 'req': True, 'max': 1,
            'children': [node(c) for c in root if c.tag in ('segment', 'group')]}


def load_codes(path):
    if not os.path.exists(path):
        return {}
    return {d.get('id'): {c.get('id') for c in d}
            for d in ET.parse(path).getroot()}


class Directory:
    def __init__(self, name):
        base = os.path.join(MAPPINGS, name)
        self.name = name
        self.segments = load_segments(os.path.join(base, 'segments.xml'))
        self.codes = load_codes(os.path.join(base, 'codes.xml'))
        self.messages = {}
        for f in sorted(os.listdir(os.path.join(base, 'messages'))):
            self.messages[f[:-4].upper()] = load_message(os.path.join(base, 'messages', f))


DIRS = {d: Directory(d) for d in ('D96B', 'D01B', 'D21A', 'Service_V3', 'Service_V4')}
SERVICE_CODES = {3: load_codes(os.path.join(MAPPINGS, 'D96B', 'service_codes_v3.xml')),
                 4: load_codes(os.path.join(MAPPINGS, 'D96B', 'service_codes_v4.xml'))}
# UNOW (UTF-8) belongs to syntax version 4 but is missing from the (older)
# service code list shipped in service_codes_v4.xml; the engine supports it.
SERVICE_CODES[4]['0001'] = SERVICE_CODES[4]['0001'] | {'UNOW'}
# Service code lists this checker enforces (others are informative).
CHECKED_SERVICE_CODES = ('0001', '0002', '0007', '0081', '0083', '0085', '0035')

# --------------------------------------------------------------- charsets

UNOA_CHARS = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>")
UNOB_CHARS = UNOA_CHARS | set(b'abcdefghijklmnopqrstuvwxyz')
CHARSETS = ('UNOA', 'UNOB', 'UNOC', 'UNOE', 'UNOW')


def charset_problem(cs, value):
    """None when value (bytes) is in the repertoire, else a description."""
    if cs == 'UNOA' or cs == 'UNOB':
        allowed = UNOA_CHARS if cs == 'UNOA' else UNOB_CHARS
        for b in value:
            if b not in allowed:
                return 'byte 0x%02X not in %s' % (b, cs)
    elif cs in ('UNOC', 'UNOE'):
        for b in value:
            if b < 0x20 or 0x7F <= b <= 0x9F:
                return 'byte 0x%02X not a graphic character of %s' % (b, cs)
    elif cs == 'UNOW':
        try:
            text = value.decode('utf-8')
        except UnicodeDecodeError:
            return 'not UTF-8'
        for ch in text:
            if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
                return 'control character U+%04X' % ord(ch)
    return None


def char_length(cs, value):
    if cs == 'UNOW':
        try:
            return len(value.decode('utf-8'))
        except UnicodeDecodeError:
            return len(value)
    return len(value)

# --------------------------------------------------------------- errors


class Err:
    FIELDS = ('message', 'segment', 'element', 'component', 'repetition')

    def __init__(self, code, level, text, interchange=1, **place):
        self.code, self.level, self.text, self.interchange = code, level, text, interchange
        for f in self.FIELDS:
            setattr(self, f, place.get(f))

    def key(self):
        return (self.code, self.level) + tuple(getattr(self, f) for f in self.FIELDS)

    def line(self):
        s = 'error code=%d level=%s' % (self.code, self.level)
        for f in self.FIELDS:
            if getattr(self, f) is not None:
                s += ' %s=%d' % (f, getattr(self, f))
        return s

    def __str__(self):
        where = '' if self.interchange == 1 else ' (interchange %d)' % self.interchange
        return '%s%s: %s' % (self.line(), where, self.text)

# --------------------------------------------------------------- tokenizer


class Segment:
    def __init__(self, tag, elements, offset, trailing):
        self.tag = tag
        self.elements = elements      # [ [ [component bytes, ...] per repetition ] per element ]
        self.offset = offset
        self.trailing = trailing      # None, or the kind of separator before the terminator


class Seps:
    def __init__(self, comp, elem, dec, rel, rep, term):
        self.comp, self.elem, self.dec, self.rel, self.rep, self.term = comp, elem, dec, rel, rep, term


def default_seps(unob, version):
    if unob:
        return Seps(0x1F, 0x1D, ord('.'), None, 0x1E if version >= 4 else None, 0x1C)
    return Seps(ord(':'), ord('+'), ord('.'), ord('?'), ord('*') if version >= 4 else None, ord("'"))


def split_segment(raw, seps, offset):
    """raw: bytes of one segment without its terminator."""
    elements, reps, comps, cur = [], [], [], bytearray()
    trailing = False
    i = 0
    last_sep = None
    while i < len(raw):
        b = raw[i]
        if seps.rel is not None and b == seps.rel:
            if i + 1 < len(raw):
                cur.append(raw[i + 1])
            i += 2
            last_sep = None
            continue
        if b == seps.elem:
            comps.append(bytes(cur)); reps.append(comps); elements.append(reps)
            reps, comps, cur = [], [], bytearray()
            last_sep = b
        elif b == seps.comp:
            comps.append(bytes(cur)); cur = bytearray()
            last_sep = b
        elif seps.rep is not None and b == seps.rep:
            comps.append(bytes(cur)); reps.append(comps); comps, cur = [], bytearray()
            last_sep = b
        else:
            cur.append(b)
            last_sep = None
        i += 1
    comps.append(bytes(cur)); reps.append(comps); elements.append(reps)
    trailing = {None: None, seps.elem: 'element', seps.comp: 'component'}.get(last_sep, 'repetition')
    tag = elements[0][0][0].decode('latin-1')
    return Segment(tag, elements[1:], offset, trailing)


def next_segment(data, pos, seps):
    """Returns (raw, next_pos) or (None, pos) when no terminator follows."""
    i = pos
    while i < len(data):
        b = data[i]
        if seps.rel is not None and b == seps.rel:
            i += 2
            continue
        if b == seps.term:
            return data[pos:i], i + 1
        i += 1
    return None, pos

# --------------------------------------------------------------- values


NUM_RE = re.compile(r'^(-?)(\d*)([.,]?)(\d*)$')


def check_value(d, value, cs, codes, code_check=True):
    """Checks one non-empty value against its data element definition.
    Returns (code, text) or None."""
    prob = charset_problem(cs, value)
    if prob:
        return 21, prob
    text = value.decode('utf-8' if cs == 'UNOW' else 'latin-1', 'replace')
    t = d['type']
    length = char_length(cs, value)
    if t == 'n':
        if re.search(r'[^0-9.,\-]', text):
            return 37, 'non-numeric character in n element %s: %r' % (d['id'], text)
        if text.count('.') + text.count(',') > 1 or text.count('-') > 1 or \
                ('-' in text and not text.startswith('-')):
            return 19, 'invalid decimal notation %r' % text
        m = NUM_RE.match(text)
        sign, intpart, mark, frac = m.groups()
        if mark and not intpart:
            return 38, 'missing digit in front of decimal sign: %r' % text
        if mark and not frac:
            return 19, 'decimal mark without following digit: %r' % text
        if not intpart and not frac:
            return 37, 'no digit in n element %s' % d['id']
        length = len(intpart) + len(frac)
    elif t == 'a':
        if re.search(r'[0-9]', text):
            return 37, 'digit in alphabetic element %s: %r' % (d['id'], text)
    if d['len'] is not None:
        if length > d['len']:
            return 39, 'element %s longer than %d: %r' % (d['id'], d['len'], text)
        if length < d['len']:
            return 40, 'element %s shorter than %d: %r' % (d['id'], d['len'], text)
    elif d['max'] is not None and length > d['max']:
        return 39, 'element %s longer than %d (%d): %r' % (d['id'], d['max'], length, text)
    if code_check and d['id'] in codes and text not in codes[d['id']]:
        return 12, 'value %r not in code list %s' % (text, d['id'])
    return None


def check_elements(seg, sdef, cs, codes, report, version):
    """Checks the data elements of seg against its definition sdef.
    report(code, text, element=, component=, repetition=, segment_level=)."""
    if version >= 4 and seg.trailing:
        # reported at the empty element (or component) the separator opens
        last = seg.elements[-1][-1] if seg.elements else [b'']
        report(45, 'trailing %s separator' % seg.trailing, element=len(seg.elements),
               component=len(last) if seg.trailing == 'component' else None)
    if len(seg.elements) > len(sdef):
        # reported at the first data element beyond the definition
        report(16, 'too many data elements (%d, %d defined)' % (len(seg.elements), len(sdef)),
               element=len(sdef) + 1)
    for ei, edef in enumerate(sdef, 1):
        reps = seg.elements[ei - 1] if ei <= len(seg.elements) else [[b'']]
        if len(reps) > 1:
            report(16, 'data element %d repeated but not repeatable' % ei, element=ei, repetition=2)
        comps = reps[0]
        if edef[0] == 's':
            d = edef[1]
            if len(comps) > 1:
                report(16, 'simple data element %s has components' % d['id'], element=ei)
                continue
            v = comps[0]
            if v == b'':
                if d['required']:
                    report(13, 'mandatory data element %s missing' % d['id'], element=ei)
                continue
            r = check_value(d, v, cs, codes)
            if r:
                report(r[0], r[1], element=ei)
        else:
            _, cid, creq, cdefs = edef
            if all(c == b'' for c in comps):
                if creq:
                    report(13, 'mandatory composite %s missing' % cid, element=ei)
                continue
            if len(comps) > len(cdefs):
                report(16, 'too many components in %s' % cid, element=ei)
                continue
            for ci, d in enumerate(cdefs, 1):
                v = comps[ci - 1] if ci <= len(comps) else b''
                if v == b'':
                    if d['required']:
                        report(13, 'mandatory component %s of %s missing' % (d['id'], cid),
                               element=ei, component=ci)
                    continue
                r = check_value(d, v, cs, codes)
                if r:
                    report(r[0], r[1], element=ei, component=ci)

# --------------------------------------------------------------- structure


class Frame:
    def __init__(self, node):
        self.node, self.idx, self.cnt = node, 0, 1


def trigger(node):
    return node['children'][0]['id']


class Walker:
    """Places segments in a message structure, the usual greedy way: a segment
    continues the current group, or enters a later position of it, or closes
    groups until an enclosing group accepts it."""

    def __init__(self, msg, report):
        self.stack = [Frame(msg)]      # positioned on UNH
        self.report = report

    def _find(self, tag):
        over = None
        for depth in range(len(self.stack) - 1, -1, -1):
            f = self.stack[depth]
            kids = f.node['children']
            for i in range(f.idx, len(kids)):
                if depth > 0 and i == 0:
                    continue      # a group's trigger again starts a new occurrence: see parent
                k = kids[i]
                hit = k['id'] == tag if k['kind'] == 'segment' else trigger(k) == tag
                if not hit:
                    continue
                if i == f.idx and f.cnt >= k['max']:
                    if over is None:
                        over = (depth, i, 35 if k['kind'] == 'segment' else 36)
                    continue
                return depth, i, None
        if over:
            return over
        return None, None, None

    def _missing(self, node, pos):
        self.report(13, 'mandatory %s %s missing' % (node['kind'], node['id']),
                    segment=pos - 1, segment_level=True)

    def place(self, tag, pos):
        depth, i, over = self._find(tag)
        if depth is None:
            self.report(15, 'segment %s not in this position' % tag, segment=pos, segment_level=True)
            return
        while len(self.stack) - 1 > depth:           # close inner groups
            f = self.stack.pop()
            for k in f.node['children'][f.idx + 1:]:
                if k['req']:
                    self._missing(k, pos)
        f = self.stack[depth]
        for k in f.node['children'][f.idx + 1:i]:
            if k['req']:
                self._missing(k, pos)
        if i == f.idx:
            f.cnt += 1
        else:
            f.idx, f.cnt = i, 1
        k = f.node['children'][i]
        if over:
            self.report(over, 'too many repetitions of %s %s' % (k['kind'], k['id']),
                        segment=pos, segment_level=True)
        if k['kind'] == 'group':
            self.stack.append(Frame(k))
        if TRACE:
            path = '/'.join(f.node['id'] for f in self.stack[1:])
            print('       %4d %-3s %s' % (pos, tag, path))

# --------------------------------------------------------------- interchanges


def valid_date(s):
    try:
        if len(s) == 6:
            datetime.date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
        else:
            datetime.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
        return True
    except ValueError:
        return False


def valid_time(s):
    return len(s) == 4 and s.isdigit() and int(s[:2]) < 24 and int(s[2:]) < 60


def val(seg, e, c=1):
    if e > len(seg.elements):
        return ''
    comps = seg.elements[e - 1][0]
    return comps[c - 1].decode('latin-1') if c <= len(comps) else ''


class FileCheck:
    """Checks one file (which may hold several interchanges)."""

    def __init__(self, data, seen_interchanges):
        self.data = data
        self.errors = []
        self.seen = seen_interchanges      # (sender, ref) -> file, for the corpus
        self.local_seen = set()
        self.interchanges = []             # (sender, recipient, ref)
        self.message_types = []
        self.ich = 0

    def err(self, code, level, text, **place):
        self.errors.append(Err(code, level, text, self.ich, **place))

    # ---- the whole file
    def run(self):
        pos = 0
        while pos < len(self.data):
            self.ich += 1
            pos = self.interchange(pos)
            if pos is None:
                break
        return self.errors

    def interchange(self, pos):
        data = self.data
        una = None
        if data.startswith(b'UNA', pos):
            una = data[pos + 3:pos + 9]
            if len(una) < 6:
                self.err(13, 'interchange', 'UNA truncated')
                return None
            pos += 9
        if not data.startswith(b'UNB', pos):
            self.err(13, 'interchange', 'UNB missing')
            return None
        unob = data[pos + 3:pos + 4] == b'\x1d' and una is None
        seps = default_seps(unob, 4)
        if una is not None:
            c, e, d, r, rep, t = una
            seps = Seps(c, e, d, None if r == 0x20 else r, None if rep == 0x20 else rep, t)
            chars = [x for x in (c, e, None if r == 0x20 else r, None if rep == 0x20 else rep, t) if x is not None]
            if len(set(chars)) != len(chars) or d not in (ord('.'), ord(',')) or d in chars:
                self.err(20, 'interchange', 'UNA uses one character for two purposes: %r' % una)
                return None
        # read UNB with the repetition separator off, then learn the version
        raw, nxt = next_segment(data, pos, Seps(seps.comp, seps.elem, seps.dec, seps.rel, None, seps.term))
        if raw is None:
            self.err(13, 'interchange', 'UNB not terminated')
            return None
        unb = split_segment(raw, Seps(seps.comp, seps.elem, seps.dec, seps.rel, None, seps.term), pos)
        try:
            version = int(val(unb, 1, 2))
        except ValueError:
            version = 0
        if una is None:
            seps = default_seps(unob, version)
        elif version < 4:
            if seps.rep is not None:
                self.err(20, 'interchange', 'UNA5 must be a space before syntax version 4')
            seps.rep = None
        cs = val(unb, 1, 1)
        self.charset = cs if cs in CHARSETS else None
        ok = self.check_unb(unb, version, cs, unob)
        if not ok:
            return None
        svc = DIRS['Service_V4' if version >= 4 else 'Service_V3']
        self.version, self.seps, self.svc = version, seps, svc
        sender = (val(unb, 2, 1), val(unb, 2, 2))
        recipient = (val(unb, 3, 1), val(unb, 3, 2))
        ref = val(unb, 5)
        key = (sender, recipient, ref)
        if key in self.local_seen:
            self.err(26, 'interchange', 'duplicate interchange %s from %s' % (ref, sender[0]))
        self.local_seen.add(key)
        self.interchanges.append(key)

        # the segments up to UNZ
        pos = nxt
        groups = loose = 0
        mixed = False
        group = None
        msg = None
        while True:
            if pos >= len(data):
                self.err(13, 'interchange', 'interchange not terminated by UNZ')
                return None
            if data[pos] in (0x0A, 0x0D):
                self.err(21, 'interchange', 'line break between segments at offset %d' % pos)
                return None
            raw, nxt = next_segment(data, pos, seps)
            if raw is None:
                self.err(13, 'interchange', 'segment without terminator at offset %d' % pos)
                return None
            seg = split_segment(raw, seps, pos)
            pos = nxt
            tag = seg.tag
            if msg is not None:
                if tag == 'UNT':
                    self.end_message(msg, seg)
                    msg = None
                    if group is not None:
                        group['count'] += 1
                    else:
                        loose += 1
                elif tag in ('UNH', 'UNZ', 'UNG', 'UNE'):
                    self.err(13, 'message', 'UNT missing', message=msg['n'])
                    msg = None
                    if tag == 'UNZ':
                        break
                else:
                    self.message_segment(msg, seg)
                continue
            if tag == 'UNH':
                if groups and group is None and not mixed:
                    mixed = True
                    self.err(30, 'interchange', 'message outside a group in an interchange with groups')
                msg = self.start_message(seg)
                if group is not None and val(seg, 2, 1) != group['type']:
                    self.err(31, 'group', 'message %s in a group of %s' % (val(seg, 2, 1), group['type']))
            elif tag == 'UNG':
                if loose and not mixed:
                    mixed = True
                    self.err(30, 'interchange', 'group after messages outside groups')
                groups += 1
                group = {'ref': val(seg, 5), 'count': 0, 'type': val(seg, 1)}
                self.check_service(seg, 'UNG', 'group')
            elif tag == 'UNE':
                if group is None:
                    self.err(15, 'interchange', 'UNE without UNG')
                    continue
                self.check_service(seg, 'UNE', 'group')
                if val(seg, 2) != group['ref']:
                    self.err(28, 'group', 'UNE 0048 %r differs from UNG 0048 %r' % (val(seg, 2), group['ref']))
                elif val(seg, 1) != str(group['count']):
                    self.err(29, 'group', 'UNE count %s, %d messages' % (val(seg, 1), group['count']))
                group = None
            elif tag == 'UNZ':
                self.check_service(seg, 'UNZ', 'interchange')
                if val(seg, 2) != ref:
                    self.err(28, 'interchange', 'UNZ 0020 %r differs from UNB 0020 %r' % (val(seg, 2), ref))
                else:
                    expected = groups if groups else loose
                    if groups == 0 and loose == 0:
                        self.err(32, 'interchange', 'no message in the interchange')
                    elif not mixed and val(seg, 1) != str(expected):
                        self.err(29, 'interchange', 'UNZ count %s, %d %s' % (
                            val(seg, 1), expected, 'groups' if groups else 'messages'))
                break
            else:
                self.err(15, 'interchange', 'segment %s outside a message' % tag)
        sk = (sender, ref)
        if sk in self.seen and self.seen[sk] is not self:
            self.err(26, 'interchange', 'interchange %s from %s also in %s' % (ref, sender[0], self.seen[sk].name))
        self.seen.setdefault(sk, self)
        return pos

    # ---- UNB and other service segments
    def check_unb(self, unb, version, cs, unob):
        if unb.tag != 'UNB':
            self.err(13, 'interchange', 'UNB missing')
            return False
        if version not in (1, 2, 3, 4):
            self.err(2, 'interchange', 'syntax version %r not supported' % val(unb, 1, 2),
                     element=1, component=2)
            return False
        sdef = DIRS['Service_V4' if version >= 4 else 'Service_V3'].segments['UNB']
        n0 = len(self.errors)
        codes = SERVICE_CODES[4 if version >= 4 else 3]
        self.charset = cs if cs in CHARSETS else None

        def report(code, text, element=None, component=None, repetition=None, segment_level=False):
            if code == 12 and element == 1 and component == 1:
                code = 2          # an unknown syntax identifier is "level not supported"
            self.err(code, 'interchange', 'UNB: ' + text, element=element,
                     component=component, repetition=repetition)
        check_elements(unb, sdef, self.charset or 'UNOC',
                       {k: v for k, v in codes.items() if k in CHECKED_SERVICE_CODES}, report, version)
        if cs in ('UNOW',) and version < 4:
            self.err(2, 'interchange', '%s needs syntax version 4' % cs, element=1, component=1)
        if unob and cs != 'UNOB':
            self.err(20, 'interchange', 'UNOB separators in a %s interchange' % cs)
        d, t = val(unb, 4, 1), val(unb, 4, 2)
        if len(self.errors) == n0:
            if not valid_date(d):
                self.err(12, 'interchange', 'UNB date %r invalid' % d, element=4, component=1)
            elif not valid_time(t):
                self.err(12, 'interchange', 'UNB time %r invalid' % t, element=4, component=2)
        return not any(e.code in (2, 20) for e in self.errors[n0:])

    def check_service(self, seg, tag, level, message=None, position=None):
        sdef = self.svc.segments[tag]
        codes = SERVICE_CODES[4 if self.version >= 4 else 3]

        def report(code, text, element=None, component=None, repetition=None, segment_level=False):
            self.err(code, level, '%s: %s' % (tag, text), message=message, element=element,
                     component=component, repetition=repetition)
        check_elements(seg, sdef, self.charset or 'UNOC',
                       {k: v for k, v in codes.items() if k in CHECKED_SERVICE_CODES}, report, self.version)

    # ---- messages
    def start_message(self, unh):
        n = sum(1 for _ in self.message_types) + 1
        mtype, agency = val(unh, 2, 1), val(unh, 2, 4)
        dirname = val(unh, 2, 2) + val(unh, 2, 3)
        msg = {'n': n, 'ref': val(unh, 1), 'type': mtype, 'count': 1, 'walker': None,
               'dir': None}
        self.message_types.append(mtype)
        self.check_service(unh, 'UNH', 'message', message=n)
        if mtype == 'CONTRL':
            want = ('D', '3') if self.version < 4 else ('4', '1')
            if (val(unh, 2, 2), val(unh, 2, 3)) != want:
                self.err(3, 'message', 'CONTRL version %s not supported' % dirname, message=n)
                return msg
            msg['dir'] = self.svc
            msg['codes'] = {k: v for k, v in SERVICE_CODES[4 if self.version >= 4 else 3].items()
                            if k in CHECKED_SERVICE_CODES}
        else:
            d = DIRS.get(dirname) if val(unh, 2, 2) == 'D' else None
            if d is None or mtype not in d.messages or agency != 'UN':
                self.err(3, 'message', 'message %s %s not supported' % (mtype, dirname), message=n)
                return msg
            msg['dir'] = d
            msg['codes'] = d.codes
        spec = msg['dir'].messages[mtype]

        def report(code, text, segment=None, segment_level=False, **place):
            self.err(code, 'segment', text, message=n, segment=segment)
        msg['walker'] = Walker(spec, report)
        return msg

    def message_segment(self, msg, seg):
        msg['count'] += 1
        pos = msg['count']
        if msg['walker'] is None:
            return
        msg['walker'].place(seg.tag, pos)
        if seg.tag in ('UNS',) or msg['type'] == 'CONTRL':
            sdef = self.svc.segments.get(seg.tag)
        else:
            sdef = msg['dir'].segments.get(seg.tag)
        if sdef is None:
            return

        def report(code, text, element=None, component=None, repetition=None, segment_level=False):
            level = 'segment' if segment_level else 'element'
            self.err(code, level, '%s: %s' % (seg.tag, text), message=msg['n'], segment=pos,
                     element=element, component=component, repetition=repetition)
        check_elements(seg, sdef, self.charset or 'UNOC', msg['codes'], report, self.version)

    def end_message(self, msg, unt):
        msg['count'] += 1
        n = msg['n']
        if msg['walker'] is not None:
            msg['walker'].place('UNT', msg['count'])
        self.check_service(unt, 'UNT', 'message', message=n)
        if val(unt, 2) != msg['ref']:
            self.err(28, 'message', 'UNT 0062 %r differs from UNH 0062 %r' % (val(unt, 2), msg['ref']),
                     message=n)
        elif val(unt, 1) != str(msg['count']):
            self.err(29, 'message', 'UNT count %s, %d segments' % (val(unt, 1), msg['count']),
                     message=n)

# --------------------------------------------------------------- the corpus


def read_expect(path):
    exp = {'exit': None, 'errors': [], 'no-contrl': False}
    for line in open(path, encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('exit '):
            exp['exit'] = int(line.split()[1])
        elif line == 'no-contrl':
            exp['no-contrl'] = True
        elif line.startswith('error '):
            f = dict(kv.split('=', 1) for kv in line.split()[1:])
            exp['errors'].append((int(f['code']), f['level']) + tuple(
                int(f[k]) if k in f else None for k in Err.FIELDS))
        else:
            raise ValueError('%s: bad line %r' % (path, line))
    return exp


def corpus_files():
    out = []
    for sub in ('valid', 'broken'):
        d = os.path.join(CORPUS, sub)
        out += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith('.edi')]
    out += [os.path.join(EXAMPLES, f) for f in sorted(os.listdir(EXAMPLES)) if f.endswith('.edi')]
    return out


def main(argv):
    global TRACE
    verbose = '-v' in argv
    TRACE = '--trace' in argv
    files = [a for a in argv if a not in ('-v', '--trace')] or corpus_files()
    seen = {}
    failures = 0
    counts = {'valid': 0, 'broken': 0}
    for path in files:
        rel = os.path.relpath(path, TOP)
        data = open(path, 'rb').read()
        fc = FileCheck(data, seen)
        fc.name = rel
        errors = fc.run()
        expect_path = path[:-4] + '.expect'
        broken = os.path.exists(expect_path) or path.endswith('-broken.edi')
        if not broken:
            counts['valid'] += 1
            if errors:
                failures += 1
                print('FAIL %s: expected valid' % rel)
                for e in errors:
                    print('     ' + str(e))
            else:
                print('ok   %s (valid: %d interchange(s), %s)' % (
                    rel, len(fc.interchanges), ' '.join(fc.message_types)))
            continue
        counts['broken'] += 1
        if not os.path.exists(expect_path):
            ok = bool(errors)
            print('%s %s (broken, %d error(s))' % ('ok  ' if ok else 'FAIL', rel, len(errors)))
            for e in errors:
                print('     ' + str(e))
            failures += not ok
            continue
        exp = read_expect(expect_path)
        got = sorted(e.key() for e in errors)
        want = sorted(exp['errors'])
        problems = []
        if exp['exit'] != 1:
            problems.append('sidecar must say exit 1')
        if got != want:
            problems.append('errors differ from %s' % os.path.basename(expect_path))
        if exp['no-contrl'] and 'CONTRL' not in fc.message_types:
            problems.append('no-contrl given but the file holds no CONTRL')
        if problems:
            failures += 1
            print('FAIL %s: %s' % (rel, '; '.join(problems)))
            for w in exp['errors']:
                print('     expected: %s' % (w,))
            for e in errors:
                print('     got:      %s' % e)
        else:
            print('ok   %s (broken as intended: %s)' % (rel, '; '.join(str(e) for e in errors)))
        if verbose:
            for e in errors:
                print('     ' + str(e))
    print('%d valid and %d broken file(s) checked, %d failure(s)' % (
        counts['valid'], counts['broken'], failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
