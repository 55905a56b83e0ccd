#include <stdio.h>
#include <string.h>

#include "money.h"

typedef __int128 wide; /* products of two int64 never overflow it */

int64_t money_percent(int64_t amount_fen, int64_t percent)
{
    wide p = (wide)amount_fen * percent;
    /* Round toward minus infinity: "down to the fen". */
    wide q = p / 100;
    if (p % 100 != 0 && p < 0)
        q -= 1;
    return (int64_t)q;
}

int64_t money_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int ratio_cmp(int64_t a, int64_t b, int64_t c, int64_t d)
{
    wide l = (wide)a * d, r = (wide)c * b;
    return (l > r) - (l < r);
}

bool ratio_at_least_percent(int64_t part, int64_t whole, int64_t percent)
{
    return (wide)part * 100 >= (wide)percent * whole;
}

int growth_avg_at_least_percent(int64_t v0, int64_t v1, int64_t v2, int64_t percent)
{
    if (v0 <= 0 || v1 <= 0)
        return -1;
    /* ((v1-v0)/v0 + (v2-v1)/v1) / 2 >= p/100
     * ⇔ 100 · ((v1-v0)·v1 + (v2-v1)·v0) >= 2 · p · v0 · v1   (v0, v1 > 0)
     * The field tables bound amounts to 10^14 fen, so every product here
     * stays below 2^107, well inside 128 bits. */
    wide lhs = ((wide)(v1 - v0) * v1 + (wide)(v2 - v1) * v0) * 100;
    wide rhs = (wide)2 * percent * v0 * v1;
    return lhs >= rhs;
}

void money_format(int64_t fen, char *out, size_t cap)
{
    /* Work on the magnitude as unsigned so INT64_MIN is safe. */
    uint64_t m = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t yuan = m / 100, cents = m % 100;
    char digits[32], grouped[48];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)yuan);
    size_t g = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(out, cap, "%s%s.%02llu 元", fen < 0 ? "-" : "", grouped, (unsigned long long)cents);
}
