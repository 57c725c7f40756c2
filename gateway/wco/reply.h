/*
 * reply.h - the reply a partner gets when its message, once translated,
 * fails validation: for an EDIFACT input a CUSRES (rejected) in the
 * partner's directory and syntax, each error in an SG4 whose ERP names the
 * segment tag and position it came from; for an XML input a WCO Response
 * (RES) whose error descriptions end with the XPath of the input node.
 */
#ifndef KHAALGA_WCO_REPLY_H
#define KHAALGA_WCO_REPLY_H

#include <stdio.h>

#include "wco/provenance.h"
#include "wco/translate.h"
#include "wco/validate.h"

/* Writes the reply to out. v is the validation of t->result; origins[i]
 * (NULL when not known) where finding i came from. Returns 0, 2 when the
 * profile has no sheet from RES to CUSRES (EDIFACT inputs), 4 on an
 * internal error (err says which). */
int kh_reply_write(const kh_profile *p, const kh_translation *t, const kh_validation *v,
                   const kh_origin *const *origins, FILE *out, char *err, size_t errlen);

#endif
