#!/usr/bin/env bash
# An offline root for Sealhouse's CA, with nothing but openssl: the root key is created and used
# on a machine of your choosing (air-gapped, an HSM host); the server only ever holds the
# intermediate's key. The certificates carry what Sealhouse and the sigstore clients require of
# a Fulcio-style chain (src/ca/ca-keys.ts checks them at start): CA roots with keyCertSign, an
# intermediate with pathlen 0, codeSigning EKU and a SubjectKeyIdentifier the leaves point to.
#
#   offline machine:  scripts/offline-root-ca.sh root   DIR "Example Corp"       → DIR/root.pem, DIR/root-key.pem
#   server:           scripts/offline-root-ca.sh csr    DIR "Example Corp"       → DIR/intermediate-key.pem, DIR/intermediate.csr
#   offline machine:  scripts/offline-root-ca.sh sign   DIR intermediate.csr     → DIR/intermediate.pem, DIR/chain.pem
#   server:           SEALHOUSE_CA_CHAIN=chain.pem SEALHOUSE_CA_KEY=intermediate-key.pem sealhouse serve
#
# Validity: ROOT_DAYS (default 3650) and INTERMEDIATE_DAYS (default 1825). Keys are ECDSA P-384.
set -euo pipefail
umask 077

usage() { sed -n '8,13p' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
step=$1 dir=$2 arg=$3
mkdir -p "$dir"

case "$step" in
  root)
    [ -e "$dir/root-key.pem" ] && { echo "offline-root-ca: $dir/root-key.pem exists; refusing to overwrite a root key" >&2; exit 1; }
    openssl ecparam -name secp384r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$dir/root-key.pem"
    openssl req -x509 -new -key "$dir/root-key.pem" -sha384 -days "${ROOT_DAYS:-3650}" \
      -subj "/O=$arg/CN=$arg sigstore root" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" -out "$dir/root.pem"
    echo "root certificate: $dir/root.pem (copy it to the server); root key: $dir/root-key.pem (keep it offline)"
    ;;
  csr)
    [ -e "$dir/intermediate-key.pem" ] && { echo "offline-root-ca: $dir/intermediate-key.pem exists; refusing to overwrite it" >&2; exit 1; }
    openssl ecparam -name secp384r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$dir/intermediate-key.pem"
    openssl req -new -key "$dir/intermediate-key.pem" -subj "/O=$arg/CN=$arg sigstore intermediate" -out "$dir/intermediate.csr"
    echo "request: $dir/intermediate.csr (take it to the offline machine); key: $dir/intermediate-key.pem (stays here)"
    ;;
  sign)
    [ -e "$dir/root-key.pem" ] || { echo "offline-root-ca: no $dir/root-key.pem: run the root step in $dir first" >&2; exit 1; }
    ext=$(mktemp)
    trap 'rm -f "$ext"' EXIT
    printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' 'keyUsage=critical,keyCertSign,cRLSign' \
      'extendedKeyUsage=codeSigning' 'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' > "$ext"
    openssl x509 -req -in "$arg" -CA "$dir/root.pem" -CAkey "$dir/root-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
      -sha384 -days "${INTERMEDIATE_DAYS:-1825}" -extfile "$ext" -out "$dir/intermediate.pem"
    cat "$dir/intermediate.pem" "$dir/root.pem" > "$dir/chain.pem"
    chmod 644 "$dir/root.pem" "$dir/intermediate.pem" "$dir/chain.pem"
    echo "chain for SEALHOUSE_CA_CHAIN: $dir/chain.pem (intermediate first, root last)"
    ;;
  *) usage ;;
esac
