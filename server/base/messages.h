/*
 * Messages in two languages (CONTRACT.md "Languages").  A message is
 * written once, in English, where it arises (a printf format); its Chinese
 * is found by that format in a catalog carried in the binary
 * (config/messages-zh.json: {"<English format>": "<Chinese format>"}), and
 * both are formatted from the same arguments.
 *
 * A Chinese format takes the English one's arguments in any order and may
 * leave any out: %2$s is the second argument, whatever its place.  Its
 * conversions are those of printf (flags, width and precision as there; no
 * '*'), each of the type the English format gives that argument (the
 * compiler checks the English format against the arguments, a unit test the
 * Chinese against the English), and one more flag: '~' before an s
 * conversion (%~s, %1$~s) writes the argument's Chinese term instead of it —
 * a role, an action, a status, a stage, a kind, an authority, an enum value
 * — from the term lookup the layers above give (msg_set_terms()), else from
 * config/terms-zh.json, else the argument as it is.  So "a %s may not %s"
 * reads "%1$~s无权%2$~s" in Chinese and "申报单位无权撤销证书" when formatted.
 *
 * A message the catalog lacks has no Chinese: the English stands.
 * tools/messages lists the formats the sources use and the catalog lacks; a
 * test fails on any.
 */
#ifndef SB_MESSAGES_H
#define SB_MESSAGES_H

#include <stdarg.h>
#include <stddef.h>

/* The Chinese format of an English one, or NULL. */
const char *msg_zh(const char *en_fmt);

/* Formats fmt (printf) into en and, when the catalog has its Chinese, that
 * into zh (else zh is ""); each cut at a character to fit.  zh may be NULL. */
void msg_vformat(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
void msg_format(char *en, size_t en_cap, char *zh, size_t zh_cap, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Formats a Chinese format zh_fmt with the arguments of English format
 * en_fmt (which they must match, as printf's do).  Returns 0, or -1 (and
 * out "") when zh_fmt does not fit en_fmt: a conversion of another type, an
 * argument en_fmt does not have, a conversion it does not know.  For the
 * catalog's test; msg_vformat() does this with the catalog's format. */
int msg_vformat_zh(char *out, size_t cap, const char *zh_fmt, const char *en_fmt, va_list ap);

/* 0 when Chinese format zh_fmt fits English format en_fmt (as
 * msg_vformat_zh() needs), else -1. */
int msg_fits(const char *zh_fmt, const char *en_fmt);

/* The Chinese term for `term` (a role name, a status, …): the lookup given
 * to msg_set_terms(), else config/terms-zh.json; NULL when neither has it. */
const char *msg_term_zh(const char *term);

/* Gives the terms that live in the tables of the layers above (the roles'
 * and kinds' titles, the authorities' names): lookup answers a term's
 * Chinese or NULL.  Set once, before threads use the messages. */
void msg_set_terms(const char *(*lookup)(const char *term));

/* How many messages the catalog holds; -1 when it cannot be read (a broken
 * build). */
int msg_catalog_size(void);

#endif
