#include "ranking.h"
typedef int sb_placeholder_ranking;
