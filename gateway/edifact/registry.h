/*
 * registry.h - the duplicate registry: which interchanges (sender,
 * recipient, control reference) have been seen before, and when. Kept in
 * SQLite so that several processes can share it.
 */
#ifndef KHAALGA_EDIFACT_REGISTRY_H
#define KHAALGA_EDIFACT_REGISTRY_H

#include <stddef.h>

typedef struct kh_edi_registry kh_edi_registry;

/* Opens (creating it if needed) the registry at path, or an in-memory one
 * for this run when path is NULL. NULL on failure, with the reason in err. */
kh_edi_registry *kh_edi_registry_open(const char *path, char *err, size_t errlen);

/* 1 when the interchange was recorded before (first_seen, when not NULL,
 * gets the UTC time of the first record, "2024-05-01T08:30:00Z"), 0 when it
 * was not, -1 on error (see kh_edi_registry_error()). */
int kh_edi_registry_lookup(kh_edi_registry *r, const char *sender, const char *recipient,
                           const char *reference, char *first_seen, size_t first_seen_len);

/* Records the interchange; recording it again keeps the first time.
 * 0, or -1 on error. */
int kh_edi_registry_record(kh_edi_registry *r, const char *sender, const char *recipient,
                           const char *reference);

/* Why the last lookup or record failed. */
const char *kh_edi_registry_error(const kh_edi_registry *r);

void kh_edi_registry_close(kh_edi_registry *r);

#endif
