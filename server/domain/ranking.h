/* placeholder: the tourism ranking (RULES.md §4) */
#ifndef SB_RANKING_H
#define SB_RANKING_H
#endif
