/* A kind that lives only in the test tree (toy_kind.c). */
#ifndef SB_TOY_KIND_H
#define SB_TOY_KIND_H

#include "kinds.h"

extern const struct kind kind_toy;

#endif
