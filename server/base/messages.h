/*
 * Messages in two languages (CONTRACT.md "Languages").  A message is
 * written once, in English, where it arises (a printf format); its Chinese
 * is found by that format in a catalog carried in the binary
 * (config/messages-zh.json: {"<English format>": "<Chinese format>"}), and
 * both are formatted from the same arguments.  A Chinese format may take
 * its arguments in another order with positional specifiers (%2$s).  A
 * message the catalog lacks has no Chinese: the English stands (a test lists
 * what the catalog lacks).
 */
#ifndef SB_MESSAGES_H
#define SB_MESSAGES_H

#include <stdarg.h>
#include <stddef.h>

/* The Chinese format of an English one, or NULL. */
const char *msg_zh(const char *en_fmt);

/* Formats fmt (printf) into en and, when the catalog has its Chinese, that
 * into zh (else zh is ""); each cut at a character to fit. */
void msg_vformat(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* How many messages the catalog holds; -1 when it cannot be read (a broken
 * build). */
int msg_catalog_size(void);

#endif
