/*
 * reasons.c - the stable text codes of signature verdicts, as logs, JSON
 * output and docs/xmldsig.md name them. Codes are never renamed.
 */
#include "dsig/dsig.h"

static const char *const codes[KH_DSIG_REASON_COUNT] = {
    [KH_DSIG_OK] = "ok",
    [KH_DSIG_MALFORMED] = "malformed",
    [KH_DSIG_DOCTYPE] = "doctype",
    [KH_DSIG_NO_SIGNATURE] = "no-signature",
    [KH_DSIG_MULTIPLE_SIGNATURES] = "multiple-signatures",
    [KH_DSIG_WRAPPING] = "wrapping",
    [KH_DSIG_FORBIDDEN_REFERENCE] = "forbidden-reference",
    [KH_DSIG_FORBIDDEN_TRANSFORM] = "forbidden-transform",
    [KH_DSIG_FORBIDDEN_ALGORITHM] = "forbidden-algorithm",
    [KH_DSIG_FORBIDDEN_KEY_INFO] = "forbidden-key-info",
    [KH_DSIG_NO_CERTIFICATE] = "no-certificate",
    [KH_DSIG_DIGEST_MISMATCH] = "digest-mismatch",
    [KH_DSIG_SIGNATURE_MISMATCH] = "signature-mismatch",
    [KH_DSIG_UNTRUSTED_CERTIFICATE] = "untrusted-certificate",
    [KH_DSIG_EXPIRED] = "expired",
    [KH_DSIG_REVOKED] = "revoked",
    [KH_DSIG_CRL_STALE] = "crl-stale",
    [KH_DSIG_WEAK_KEY] = "weak-key",
    [KH_DSIG_KEY_USAGE] = "key-usage",
    [KH_DSIG_IDENTITY_MISMATCH] = "identity-mismatch",
};

const char *kh_dsig_reason_code(kh_dsig_reason reason)
{
    if ((int)reason < 0 || reason >= KH_DSIG_REASON_COUNT)
        return "unknown";
    return codes[reason];
}
