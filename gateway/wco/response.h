/*
 * response.h - writes the findings of a validation as a WCO Response (RES)
 * document of the profile: FunctionCode 27 (rejected) or 29 (accepted), one
 * Error per error finding with its ValidationCode, Description and Pointer
 * (SequenceNumeric of the goods item, DocumentSectionCode, TagID).
 */
#ifndef KHAALGA_WCO_RESPONSE_H
#define KHAALGA_WCO_RESPONSE_H

#include <libxml/tree.h>

#include "wco/validate.h"

/* The response document; NULL when the profile has no RES family or memory
 * runs out. id names the response, issued is an xs:dateTime with offset. */
xmlDocPtr kh_response_build(const kh_profile *p, const kh_validation *v, const char *id, const char *issued);

#endif
