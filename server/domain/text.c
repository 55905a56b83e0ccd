#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

void text_trim_utf8(char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return;
    size_t start = len - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    unsigned char lead = (unsigned char)s[start];
    size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    if (start + need > len)
        s[start] = '\0';
}

void text_append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap - len)
        text_trim_utf8(buf);
}
