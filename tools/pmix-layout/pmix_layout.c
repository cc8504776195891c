/* Prints the size of every PMIx structure HpcMsg mirrors in C# (src/HpcMsg/Bootstrap/Pmix/PmixStructs.cs)
 * and the offset and size of each field, as the installed headers (libpmix-dev) lay them out. One line each:
 *   <struct> - 0 <sizeof>
 *   <struct> <field> <offsetof> <sizeof field>
 * and the value of every PMIx constant mirrored in PmixConstants.cs (numbers; attribute names as text):
 *   = <NAME> <value as a signed 64-bit number>
 *   $ <NAME> <string value>
 * PmixLayoutTests compiles this with cc, runs it, and compares every line with the C# layouts and constants.
 * Build: cc -std=c11 -Wall -Werror $(pkg-config --cflags pmix) -o pmix_layout pmix_layout.c
 * (no library is linked: only the headers are read). */
#define _GNU_SOURCE /* the headers' inline helpers use strdup and setenv */
#include <stddef.h>
#include <stdio.h>
#include <pmix.h>

#define S(T) printf("%s - 0 %zu\n", #T, sizeof(T))
#define F(T, f) printf("%s %s %zu %zu\n", #T, #f, offsetof(T, f), sizeof(((T *)0)->f))
#define N(X) printf("= %s %lld\n", #X, (long long)(X))
#define K(X) printf("$ %s %s\n", #X, X)

int main(void)
{
	S(pmix_proc_t);
	F(pmix_proc_t, nspace); F(pmix_proc_t, rank);

	S(pmix_value_t);
	F(pmix_value_t, type); F(pmix_value_t, data);

	S(pmix_info_t);
	F(pmix_info_t, key); F(pmix_info_t, flags); F(pmix_info_t, value);

	N(PMIX_MAX_NSLEN); N(PMIX_MAX_KEYLEN);
	N(PMIX_SUCCESS); N(PMIX_ERR_NOT_FOUND);
	N(PMIX_RANK_WILDCARD); N(PMIX_RANK_UNDEF);
	N(PMIX_BOOL); N(PMIX_STRING); N(PMIX_UINT16); N(PMIX_UINT32); N(PMIX_PROC_RANK);
	S(pmix_status_t); S(pmix_rank_t); S(pmix_data_type_t); S(pmix_scope_t); S(pmix_info_directives_t);
	N(PMIX_GLOBAL);
	K(PMIX_JOB_SIZE); K(PMIX_COLLECT_DATA);
	return 0;
}
