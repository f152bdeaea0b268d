/*
 * fs_test.h - the main() every cmocka test executable uses.
 *
 * CMake registers each cmocka_unit_test(NAME) of a test_*.c file as its own
 * ctest, running "test_x NAME"; with no argument every case runs.  A NAME
 * the executable does not have is a failure, not "0 tests run": a stale
 * binary (its rebuild failed) must not pass the cases it lacks.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define FS_TEST_MAIN(tests)						\
int									\
main(int argc, char **argv)						\
{									\
	size_t fs_i_;							\
									\
	if (argc > 1) {							\
		for (fs_i_ = 0; fs_i_ < sizeof(tests) / sizeof(tests[0]);	\
		    fs_i_++)						\
			if (strcmp(tests[fs_i_].name, argv[1]) == 0)	\
				break;					\
		if (fs_i_ == sizeof(tests) / sizeof(tests[0])) {	\
			fprintf(stderr, "%s: no test case %s\n",	\
			    argv[0], argv[1]);				\
			return 1;					\
		}							\
		cmocka_set_test_filter(argv[1]);			\
	}								\
	return cmocka_run_group_tests(tests, NULL, NULL);		\
}

#endif /* FS_TEST_H */
