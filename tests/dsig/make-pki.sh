#!/bin/sh
# make-pki.sh - makes the test PKI with openssl in DIR: a root and an
# intermediate CA; partners signed by the intermediate (RSA 2048, EC P-256,
# expired, revoked, 1024-bit RSA, without digitalSignature/nonRepudiation);
# a self-signed partner; a TLS server certificate for 127.0.0.1; current
# and stale CRLs; and the trust domain
# folders the tests verify against:
#   trust/        ca/ root + intermediate, crl/ current CRLs, require_crl = yes
#   trust-stale/  the same with a CRL whose nextUpdate has passed
#   trust-nocrl/  no CRL at all, require_crl = yes
#   trust-pinned/ pinned/ the self-signed partner, no CA, no CRL required
# usage: make-pki.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
exec 3>openssl.log

quiet() { "$@" >&3 2>&3 || { echo "make-pki: failed: $*" >&2; cat openssl.log >&2; exit 1; }; }

# One CA database per issuing CA, so `openssl ca` can revoke and make CRLs.
ca_config() {   # NAME
    mkdir -p "db-$1"
    : > "db-$1/index.txt"
    echo 1000 > "db-$1/serial"
    echo 1000 > "db-$1/crlnumber"
    cat > "$1.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
dir = db-$1
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir
certificate = $1.pem
private_key = $1.key
default_md = sha256
default_days = 825
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
serialNumber = optional
organizationIdentifier = optional
countryName = optional
organizationName = optional
commonName = supplied
[ intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ signer ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ encipher_only ]
basicConstraints = critical, CA:false
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
}

rsa_key() { quiet openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1.key"; }
ec_key() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

# issue NAME ISSUER SUBJECT EXTENSIONS [openssl ca options...]
issue() {
    name=$1 issuer=$2 subject=$3 ext=$4
    shift 4
    quiet openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
    quiet openssl ca -batch -config "$issuer.cnf" -extensions "$ext" -in "$name.csr" -out "$name.pem" -notext "$@"
}

# The root.
rsa_key root 2048
quiet openssl req -x509 -new -key root.key -days 3650 -sha256 -subj "/C=MN/O=Khaalga Test Root/CN=Khaalga Test Root CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out root.pem
ca_config root

rsa_key intermediate 2048
issue intermediate root "/C=MN/O=Khaalga Test/CN=Khaalga Test Issuing CA" intermediate -days 1825
ca_config intermediate

rsa_key bank-rsa 2048
issue bank-rsa intermediate "/serialNumber=5012345/C=MN/O=Test Bank/CN=Test Bank payments" signer
ec_key broker-ec
issue broker-ec intermediate "/serialNumber=6098765/C=MN/O=Test Broker/CN=Test Broker declarations" signer
rsa_key expired 2048
issue expired intermediate "/serialNumber=5000001/C=MN/O=Expired Bank/CN=Expired Bank" signer \
    -startdate 20200101000000Z -enddate 20210101000000Z
rsa_key revoked 2048
issue revoked intermediate "/serialNumber=5000002/C=MN/O=Revoked Bank/CN=Revoked Bank" signer
quiet openssl ca -batch -config intermediate.cnf -revoke revoked.pem -crl_reason keyCompromise
rsa_key weak 1024
issue weak intermediate "/serialNumber=5000003/C=MN/O=Weak Bank/CN=Weak Bank" signer
rsa_key encipher 2048
issue encipher intermediate "/serialNumber=5000004/C=MN/O=Encipher Bank/CN=Encipher Bank" encipher_only
rsa_key selfsigned 2048
quiet openssl req -x509 -new -key selfsigned.key -days 825 -sha256 \
    -subj "/serialNumber=5000005/C=MN/O=Self Signed Agency/CN=Self Signed Agency" \
    -addext "basicConstraints=critical,CA:false" -addext "keyUsage=critical,digitalSignature" -out selfsigned.pem

# A TLS server certificate for 127.0.0.1 (the gateway's HTTPS tests).
rsa_key server 2048
quiet openssl req -new -key server.key -subj "/C=MN/O=Khaalga Test/CN=localhost" -out server.csr
printf 'basicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n' >server.ext
quiet openssl x509 -req -in server.csr -CA intermediate.pem -CAkey intermediate.key -CAcreateserial -days 825 \
    -sha256 -extfile server.ext -out server.pem
cat server.pem intermediate.pem >server.chain.pem
cat root.pem intermediate.pem >ca-bundle.pem

# Chains as the signers present them: the leaf, then the intermediate.
for leaf in bank-rsa broker-ec expired revoked weak encipher; do
    cat "$leaf.pem" intermediate.pem > "$leaf.chain.pem"
done
cp selfsigned.pem selfsigned.chain.pem

# CRLs: current ones, and a stale one (nextUpdate in the past).
quiet openssl ca -batch -config root.cnf -gencrl -out root.crl
quiet openssl ca -batch -config intermediate.cnf -gencrl -out intermediate.crl
quiet openssl ca -batch -config intermediate.cnf -gencrl -out intermediate-stale.crl \
    -crl_lastupdate 20240101000000Z -crl_nextupdate 20240201000000Z

domain() {   # NAME INI-LINES...
    mkdir -p "$1"
    d=$1
    shift
    printf '%s\n' "[domain]" "name = $d" "$@" > "$d/domain.ini"
}
domain trust "require_crl = yes" "identity = serialNumber"
mkdir -p trust/ca trust/crl
cp root.pem intermediate.pem trust/ca/
cp root.crl intermediate.crl trust/crl/

domain trust-stale "require_crl = yes" "identity = serialNumber"
mkdir -p trust-stale/ca trust-stale/crl
cp root.pem intermediate.pem trust-stale/ca/
cp root.crl trust-stale/crl/
cp intermediate-stale.crl trust-stale/crl/intermediate.crl

domain trust-nocrl "require_crl = yes" "identity = serialNumber"
mkdir -p trust-nocrl/ca
cp root.pem intermediate.pem trust-nocrl/ca/

domain trust-pinned "require_crl = no" "identity = CN"
mkdir -p trust-pinned/pinned
cp selfsigned.pem trust-pinned/pinned/
