/*
 * response.h - writes the findings of a validation as a WCO Response (RES)
 * document of the profile: FunctionCode 27 (rejected) or 29 (accepted), one
 * Error per error finding with its ValidationCode, Description and Pointer
 * (SequenceNumeric of the goods item, DocumentSectionCode, TagID).
 */
#ifndef KHAALGA_WCO_RESPONSE_H
#define KHAALGA_WCO_RESPONSE_H

#include <libxml/tree.h>

#include "edifact/edifact.h"
#include "wco/provenance.h"
#include "wco/validate.h"

/* The response document; NULL when the profile has no RES family or memory
 * runs out. id names the response, issued is an xs:dateTime with offset. */
xmlDocPtr kh_response_build(const kh_profile *p, const kh_validation *v, const char *id, const char *issued);

/* The receipt for a message that passed validation and was taken in:
 * FunctionCode 12 (received), no decision yet. */
xmlDocPtr kh_response_build_receipt(const kh_profile *p, const kh_validation *v, const char *id, const char *issued);

/* The response to the partner whose input was translated into the document
 * v is about: origins[i] (NULL: none known) says where finding i came from in
 * that input, and each error's Description ends with it ("… (from
 * /Document/…)" or "… (from message 1 segment 19 MOA element 3 component
 * 2)"), within the 512 characters RES allows. An EDIFACT origin is also put
 * on the res:Error as attributes kp:segment, kp:tag, kp:element and
 * kp:component (namespace KH_PROVENANCE_NS) for the RES -> CUSRES sheet,
 * which writes them into ERP; such a document is for that sheet, not for
 * sending. charset: the texts must be representable in it (the Mongolian
 * text, else the English one, else the English one with what does not fit
 * made upper case or a space); KH_CHARSET_UNKNOWN for no limit. */
xmlDocPtr kh_response_build_reply(const kh_profile *p, const kh_validation *v, const kh_origin *const *origins,
                                  kh_edi_charset charset, const char *id, const char *issued);

/* A response's ID (KH-VAL-CCYYMMDDHHMMSS) and issue time (xs:dateTime in
 * UTC), from $KHAALGA_NOW (CCYYMMDDHHMM, for tests) or the clock. */
void kh_response_stamp(char *id, size_t idlen, char *issued, size_t issuedlen);

#endif
