/*
 * log.h - structured log lines: one JSON object a line on stderr, with the
 * time, level, event, the message id when there is one, and detail.
 */
#ifndef KHAALGA_UTIL_LOG_H
#define KHAALGA_UTIL_LOG_H

void kh_log(const char *level, const char *event, const char *message_id, const char *detail);

#endif
