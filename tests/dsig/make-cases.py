#!/usr/bin/python3
"""make-cases.py - makes the signed documents of the XML-DSig tests.

usage: make-cases.py KHAALGA PKI-DIR DOCUMENT OUT-DIR

Signs DOCUMENT (a WCO DM declaration) with `khaalga sign` and with xmlsec1,
then derives one document per case: each rejection reason, the wrapping
variants, entity tricks, forbidden references, transforms and algorithms.
Writes OUT-DIR/NAME.xml and OUT-DIR/cases.tsv with lines
NAME<TAB>expected verdict<TAB>trust domain<TAB>sender ("-" for none).
"""
import os
import re
import subprocess
import sys

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = DS + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

khaalga, pki, document, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
cases = []
original = open(document, encoding="utf-8").read()


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw).stdout


def case(name, expected, text, domain="trust", sender="5012345"):
    with open(os.path.join(out, name + ".xml"), "w", encoding="utf-8") as f:
        f.write(text)
    cases.append((name, expected, domain, sender))


def khaalga_sign(key, text=original):
    src = os.path.join(out, "unsigned.tmp.xml")
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    return run([khaalga, "sign", "--key", f"{pki}/{key}.key", "--cert", f"{pki}/{key}.chain.pem", src]).decode()


def with_root_id(text, value="msg-1"):
    """The document with an Id attribute on its document element."""
    return re.sub(r"(<(?!\?|!)[^\s>]+)", r'\1 Id="%s"' % value, text, count=1)


def before_root_end(text, insert):
    at = text.rindex("</")
    return text[:at] + insert + text[at:]


def template(uri="", c14n=EXC, method=RSA_SHA256, transforms=(ENVELOPED, EXC), digest=SHA256,
             key_info="<X509Data/>", method_body="", references=1):
    ts = "".join(f'<Transform Algorithm="{t}"/>' for t in transforms)
    ref = (f'<Reference URI="{uri}"><Transforms>{ts}</Transforms>'
           f'<DigestMethod Algorithm="{digest}"/><DigestValue/></Reference>')
    return (f'<Signature xmlns="{DS}"><SignedInfo><CanonicalizationMethod Algorithm="{c14n}"/>'
            f'<SignatureMethod Algorithm="{method}">{method_body}</SignatureMethod>{ref * references}</SignedInfo>'
            f'<SignatureValue/><KeyInfo>{key_info}</KeyInfo></Signature>')


def xmlsec1_sign(text, key="bank-rsa", extra=(), id_attr=None):
    """Signs a document holding a signature template with the xmlsec1 tool."""
    src = os.path.join(out, "template.tmp.xml")
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    args = ["xmlsec1", "--sign"]
    if key:
        args += ["--privkey-pem", f"{pki}/{key}.key,{pki}/{key}.pem,{pki}/intermediate.pem"]
    args += list(extra)
    if id_attr:
        args += ["--id-attr:Id", id_attr]
    return run(args + [src]).decode()


root_name = re.search(r"<(?!\?|!)([^\s>]+)", original).group(1)
root_local = root_name.split(":")[-1]

signed = khaalga_sign("bank-rsa")
case("ok-rsa", "ok", signed)
case("ok-ec", "ok", khaalga_sign("broker-ec"), sender="6098765")
case("ok-pinned", "ok", khaalga_sign("selfsigned"), domain="trust-pinned", sender="Self Signed Agency")
case("ok-xmlsec1", "ok", xmlsec1_sign(before_root_end(original, template())))
case("ok-id-reference", "ok",
     xmlsec1_sign(before_root_end(with_root_id(original), template(uri="#msg-1")), id_attr=root_local))
# A comment is not signed: adding one keeps the signature valid, and the
# verified content is read without it.
case("ok-comment-added", "ok", signed.replace("</md:WCODataModelVersionCode>",
                                               "</md:WCODataModelVersionCode><!-- not signed -->", 1))
case("ok-no-sender", "ok", signed, sender="-")

case("no-signature", "no-signature", original)
sig_start, sig_end = signed.index("<Signature"), signed.index("</Signature>") + len("</Signature>")
signature = signed[sig_start:sig_end]
case("multiple-signatures", "multiple-signatures", signed[:sig_end] + signature + signed[sig_end:])
case("malformed", "malformed", signed[: len(signed) // 2])
body = signed.split("?>", 1)[1]
case("doctype", "doctype", '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "x">]>' + body)
case("doctype-xxe", "doctype", '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     + body.replace("<md:WCODataModelVersionCode>", "<md:WCODataModelVersionCode>&xxe;", 1))
laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
case("doctype-entity-expansion", "doctype", '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY l0 "lol">' + laughs + "]>"
     + body.replace("<md:WCODataModelVersionCode>", "<md:WCODataModelVersionCode>&l9;", 1))

# Changed content, changed signature value, a certificate swapped for another partner's.
case("digest-mismatch", "digest-mismatch", re.sub(r"(<dec:ID>)([^<]*)", r"\g<1>9\2", signed, count=1))
value = re.search(r"<SignatureValue>([^<]*)</SignatureValue>", signed)
flipped = value.group(1)
flipped = ("B" if flipped[0] != "B" else "C") + flipped[1:]
case("signature-mismatch", "signature-mismatch", signed.replace(value.group(1), flipped, 1))
broker = khaalga_sign("broker-ec")
certs = lambda text: re.search(r"<X509Data>.*</X509Data>", text, re.S).group(0)
case("certificate-swapped", "signature-mismatch", signed.replace(certs(signed), certs(broker)), sender="6098765")

# Signature wrapping.
id_signed = xmlsec1_sign(before_root_end(with_root_id(original), template(uri="#msg-1")), id_attr=root_local)
open_tag_end = id_signed.index(">", id_signed.index("<" + root_name)) + 1
root_open = id_signed[id_signed.index("<" + root_name):open_tag_end]
inner = id_signed[open_tag_end:id_signed.rindex("</" + root_name)]
isig_start, isig_end = inner.index("<Signature"), inner.index("</Signature>") + len("</Signature>")
id_signature, content = inner[isig_start:isig_end], inner[:isig_start] + inner[isig_end:]
ns_decls = " ".join(re.findall(r'xmlns(?::\w+)?="[^"]*"', root_open))
signed_copy = f'<{root_name} {ns_decls} Id="msg-1">{content}</{root_name}>'
forged_content = re.sub(r"(<dec:ID>)([^<]*)", r"\g<1>FORGED", content, count=1)
forged_open = root_open.replace(' Id="msg-1"', ' Id="forged"')
# the signed element moved into an Object of the Signature, a forged copy where it was
in_object = id_signature.replace("</Signature>", f"<Object>{signed_copy}</Object></Signature>")
case("wrapping-object", "wrapping", id_signed[:id_signed.index("<" + root_name)] + forged_open + forged_content
     + in_object + f"</{root_name}>")
# the signed element moved into an extension element of a forged document
case("wrapping-extension", "wrapping", id_signed[:id_signed.index("<" + root_name)] + forged_open + forged_content
     + f'<ext:Extension xmlns:ext="urn:example:extension">{signed_copy}</ext:Extension>' + id_signature
     + f"</{root_name}>")
# two elements with the signed ID: the forged one first
case("wrapping-duplicate-id", "wrapping", id_signed[:id_signed.index("<" + root_name)] + root_open + forged_content
     + f'<ext:Extension xmlns:ext="urn:example:extension">{signed_copy}</ext:Extension>' + id_signature
     + f"</{root_name}>")
# the Signature moved inside a child element
first_child_end = signed.index("</md:WCODataModelVersionCode>")
case("wrapping-signature-placement", "wrapping",
     signed[:first_child_end] + signature + signed[first_child_end:sig_start] + signed[sig_end:])

# Forbidden references.
case("reference-file", "forbidden-reference", signed.replace('<Reference URI="">', '<Reference URI="file:///etc/passwd">', 1))
case("reference-http", "forbidden-reference", signed.replace('<Reference URI="">', '<Reference URI="http://127.0.0.1:9/x">', 1))
case("reference-xpointer", "forbidden-reference",
     xmlsec1_sign(before_root_end(original, template(uri="#xpointer(/)"))))
case("reference-xpointer-id", "forbidden-reference",
     xmlsec1_sign(before_root_end(with_root_id(original), template(uri="#xpointer(id('msg-1'))")), id_attr=root_local))
case("reference-none", "forbidden-reference", signed.replace('<Reference URI="">', "<Reference>", 1))
case("reference-two", "forbidden-reference", xmlsec1_sign(before_root_end(original, template(references=2))))

# Forbidden transforms.
xslt = ('<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet version="1.0" '
        'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/">x</xsl:template>'
        '</xsl:stylesheet></Transform>')
t = template().replace("</Transforms>", xslt + "</Transforms>")
case("transform-xslt", "forbidden-transform", before_root_end(original, t))
xpath = ('<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">'
         '<XPath>not(ancestor-or-self::*[local-name()="Signature"])</XPath></Transform>')
case("transform-xpath", "forbidden-transform",
     xmlsec1_sign(before_root_end(original, template(transforms=(ENVELOPED,)).replace("</Transforms>", xpath + "</Transforms>"))))
case("transform-c14n-inclusive", "forbidden-transform",
     xmlsec1_sign(before_root_end(original, template(c14n="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"))))
case("transform-with-comments", "forbidden-transform",
     xmlsec1_sign(before_root_end(original, template(transforms=(ENVELOPED, EXC + "WithComments")))))
case("transform-too-many", "forbidden-transform",
     xmlsec1_sign(before_root_end(original, template(transforms=(ENVELOPED, EXC, EXC)))))

# Forbidden algorithms.
case("algorithm-rsa-sha1", "forbidden-algorithm",
     xmlsec1_sign(before_root_end(original, template(method=DS + "rsa-sha1"))))
case("algorithm-digest-sha1", "forbidden-algorithm",
     xmlsec1_sign(before_root_end(original, template(digest=DS + "sha1"))))
case("algorithm-rsa-md5", "forbidden-algorithm",
     before_root_end(original, template(method="http://www.w3.org/2001/04/xmldsig-more#rsa-md5")))
case("algorithm-digest-md5", "forbidden-algorithm",
     before_root_end(original, template(digest="http://www.w3.org/2001/04/xmldsig-more#md5")))
hmac_key = os.path.join(out, "hmac.tmp.key")
with open(hmac_key, "wb") as f:
    f.write(b"secret shared with nobody")
case("algorithm-hmac", "forbidden-algorithm",
     xmlsec1_sign(before_root_end(original, template(method="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
                                                     key_info="")), key=None, extra=["--hmackey", hmac_key]))
case("algorithm-hmac-truncated", "forbidden-algorithm",
     before_root_end(original, template(method=DS + "hmac-sha1", key_info="",
                                        method_body="<HMACOutputLength>8</HMACOutputLength>")))

# Keys not from certificates.
case("key-value-only", "forbidden-key-info",
     xmlsec1_sign(before_root_end(original, template(key_info="<KeyValue/>"))))
case("retrieval-method", "forbidden-key-info",
     signed.replace("<KeyInfo>", '<KeyInfo><RetrievalMethod URI="http://127.0.0.1:9/key"/>', 1))
case("no-key-info", "no-certificate", re.sub(r"<KeyInfo>.*</KeyInfo>", "", signed, flags=re.S))

# The signer's certificate.
case("untrusted-self-signed", "untrusted-certificate", khaalga_sign("selfsigned"), sender="5000005")
case("expired", "expired", khaalga_sign("expired"), sender="5000001")
case("revoked", "revoked", khaalga_sign("revoked"), sender="5000002")
case("crl-stale", "crl-stale", signed, domain="trust-stale")
case("crl-missing", "crl-stale", signed, domain="trust-nocrl")
case("weak-key", "weak-key", xmlsec1_sign(before_root_end(original, template()), key="weak"), sender="5000003")
case("key-usage", "key-usage", khaalga_sign("encipher"), sender="5000004")
case("identity-mismatch", "identity-mismatch", signed, sender="5099999")
case("identity-other-partner", "identity-mismatch", khaalga_sign("broker-ec"), sender="5012345")

for tmp in ("unsigned.tmp.xml", "template.tmp.xml", "hmac.tmp.key"):
    if os.path.exists(os.path.join(out, tmp)):
        os.remove(os.path.join(out, tmp))
with open(os.path.join(out, "cases.tsv"), "w") as f:
    for c in cases:
        f.write("\t".join(c) + "\n")
